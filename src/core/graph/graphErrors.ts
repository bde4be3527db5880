// Microsoft Graph's error codes as this project explains them: what each means here and its fix, the permission a
// call needs (Agent ID's calls included: shared docs, graph-agent-id.md), and the Agent ID gotchas by their words.
// Pure: used by the API diagnosis (a Graph answer to Call API) and by the Graph client (provisioning).

export const GRAPH_CODES: Readonly<
  Record<string, { cause: string; fix: (appOnly: boolean, need: string, who?: string) => string }>
> = {
  Authorization_RequestDenied: {
    cause: 'Microsoft Graph refused the call: the token lacks the permission this call needs.',
    fix: (appOnly, need, who = 'the agent identity') =>
      appOnly
        ? `Grant ${who} the application permission${need} (an app role assignment on Microsoft Graph's service principal, with admin consent), then get a new token.`
        : `Grant the delegated permission${need} to ${who} for this user (an oauth2PermissionGrant), then get a new token.`,
  },
  InvalidAuthenticationToken: {
    cause: 'Microsoft Graph did not accept the token itself: expired, for another audience, or malformed.',
    fix: () => 'Get a new token for https://graph.microsoft.com/.default and send it unchanged.',
  },
  Authorization_IdentityNotFound: {
    cause: "Microsoft Graph could not find the calling identity's service principal in the tenant.",
    fix: () =>
      'Make sure the agent identity (its service principal) exists in the tenant the token was issued for; right after creating it, wait for replication and retry.',
  },
  Request_ResourceNotFound: {
    cause: 'The object the URL names does not exist, or this identity may not see it.',
    fix: () => 'Check the id in the URL; an identity without read permission on the object can get this too.',
  },
  BadRequest: {
    cause: 'Microsoft Graph refused the request itself (its URL, its query, or what this kind of token may ask).',
    fix: () => "Read Graph's message: it names the segment or the rule.",
  },
  ErrorAccessDenied: {
    cause: 'The service behind Graph denied access to this resource.',
    fix: (appOnly, need) =>
      appOnly
        ? `Grant the application permission${need}, and check any application access policy of the mailbox or site.`
        : `Grant the delegated permission${need}.`,
  },
};

/** What a Graph error code means here, for a code in the list only (never an inherited key such as "constructor"). */
export function knownGraphCode(code: string): (typeof GRAPH_CODES)[string] | undefined {
  return Object.hasOwn(GRAPH_CODES, code) ? GRAPH_CODES[code] : undefined;
}

/**
 * The permission a Graph call needs, where it is well known: Agent ID's calls (by method), and the read calls of the
 * sandbox's and common routes. `url` may be a whole URL or a path.
 */
export function graphPermissionFor(url: string, appOnly: boolean, method = 'GET'): string | undefined {
  let path: string;
  try {
    // Graph's own host, or a stand-in under a prefix (the sandbox's /graph/v1.0/…).
    path = new URL(url, 'https://graph.microsoft.com').pathname
      .replace(/^(\/[^/]+)*?\/(v1\.0|beta)(?=\/|$)/, '')
      .toLowerCase();
  } catch {
    return undefined;
  }
  const write = method !== 'GET';
  if (path.startsWith('/applications/microsoft.graph.agentidentityblueprint'))
    return write ? 'AgentIdentityBlueprint.Create' : 'AgentIdentityBlueprint.Read.All';
  if (
    /^\/applications\/[^/]+\/(microsoft\.graph\.agentidentityblueprint\/)?(addpassword|addkey|federatedidentitycredentials)/.test(
      path,
    )
  )
    return 'AgentIdentityBlueprint.AddRemoveCreds.All';
  if (path.startsWith('/serviceprincipals/microsoft.graph.agentidentityblueprintprincipal'))
    return 'AgentIdentityBlueprintPrincipal.Create';
  if (/^\/serviceprincipals\/[^/]+\/approleassignments/.test(path))
    return write ? 'AppRoleAssignment.ReadWrite.All' : 'Application.Read.All';
  if (path.startsWith('/oauth2permissiongrants')) return 'DelegatedPermissionGrant.ReadWrite.All';
  if (
    path.startsWith('/serviceprincipals/microsoft.graph.agentidentity') ||
    (write && path.startsWith('/serviceprincipals/'))
  )
    return write
      ? appOnly
        ? 'AgentIdentity.CreateAsManager'
        : 'AgentIdentity.Create.All'
      : appOnly
        ? 'AgentIdentity.CreateAsManager (its own agents) or Application.Read.All'
        : 'AgentIdentity.Read.All';
  if (write && path.startsWith('/users'))
    return appOnly ? 'AgentIdUser.ReadWrite.IdentityParentedBy' : 'AgentIdUser.ReadWrite.All';
  if (path.startsWith('/me')) return appOnly ? undefined : 'User.Read';
  if (path.startsWith('/users')) return appOnly ? 'User.Read.All' : 'User.ReadBasic.All';
  if (path.startsWith('/applications') || path.startsWith('/serviceprincipals')) return 'Application.Read.All';
  if (path.startsWith('/groups')) return appOnly ? 'Group.Read.All' : 'GroupMember.Read.All';
  return undefined;
}

/** Agent ID's own codes and messages (shared docs' gotchas), by code or by the words of the message. */
const AGENT_ID_CASES: readonly { match: (code: string, message: string) => boolean; meaning: string; fix: string }[] = [
  {
    match: (code) => code === 'AgentIdentity_AgentBlueprintPrincipalDoesNotExist',
    meaning: 'The blueprint has no service principal in this tenant: creating a blueprint does not make one.',
    fix: 'Create it: POST /servicePrincipals/microsoft.graph.agentIdentityBlueprintPrincipal with {"appId": "<blueprint app id>"}, then retry.',
  },
  {
    match: (code) => code === 'AgentIdentity_CredentialsNotSupported',
    meaning: 'Agent identities hold no credential: the blueprint holds it for them.',
    fix: "Add the secret, certificate or federated credential to the agent's blueprint instead.",
  },
  {
    match: (_code, message) => /no sponsor/i.test(message),
    meaning: 'Agent ID objects need a sponsor: a user accountable for them.',
    fix: 'Name a sponsor (the CLI: --sponsor USER_OBJECT_ID; in Graph: "sponsors@odata.bind": ["https://graph.microsoft.com/v1.0/users/{id}"]).',
  },
  {
    match: (_code, message) => /^Object with id .* not found/i.test(message),
    meaning:
      'An object this call names was not found: right after it was created, the directory may still be replicating.',
    fix: 'Wait a few seconds and retry; if it persists, check the id.',
  },
  {
    match: (_code, message) => /already has an agent user/i.test(message),
    meaning: 'An agent identity has at most one agent user.',
    fix: 'Use the agent user it has (agent-users list), or create another agent identity.',
  },
];

/** What a Graph error means here and how to fix it: Agent ID's cases first, then the code, then the status. */
export function graphErrorExplanation(
  status: number,
  code: string,
  message: string,
  appOnly: boolean,
  path: string,
  method = 'GET',
  /** Who calls: "the agent identity" (Call API), "the blueprint" (acting as itself), "you" (signed in). */
  who?: string,
): { meaning: string; fix: string } {
  const agentId = AGENT_ID_CASES.find((c) => c.match(code, message));
  if (agentId) return { meaning: agentId.meaning, fix: agentId.fix };
  const need = graphPermissionFor(path, appOnly, method);
  const known = knownGraphCode(code);
  if (known) {
    const fix = known.fix(appOnly, need ? ` ${need}` : '', who);
    // A delegated token carrying Directory.AccessAsUser.All (the Azure CLI's) is refused every Agent ID write.
    const cli =
      !appOnly && code === 'Authorization_RequestDenied' && method !== 'GET'
        ? " If the token carries Directory.AccessAsUser.All (the Azure CLI's does), Agent ID ignores its other permissions: sign in with an app registration that does not have it."
        : '';
    return { meaning: known.cause, fix: `${fix}${cli}` };
  }
  if (status === 429 || status === 503)
    return {
      meaning: 'Microsoft Graph is throttling or briefly unavailable, and the retries ran out.',
      fix: 'Wait a minute and run it again.',
    };
  return {
    meaning: `Microsoft Graph answered ${status}.`,
    fix: "Read Graph's message; the request-id lets Microsoft support find the call.",
  };
}

/** A Microsoft Graph error body: `{"error":{"code","message","innerError":{"request-id","client-request-id"}}}`. */
export function parseGraphErrorBody(
  body: string | undefined,
): { code: string; message: string; requestId?: string; clientRequestId?: string } | undefined {
  if (!body || body.length > 1 << 20) return undefined;
  try {
    const e = (JSON.parse(body) as { error?: Record<string, unknown> }).error;
    if (!e || typeof e.code !== 'string') return undefined;
    const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined;
    return {
      code: e.code,
      message: typeof e.message === 'string' ? e.message : '',
      ...(typeof inner?.['request-id'] === 'string' ? { requestId: inner['request-id'] } : {}),
      ...(typeof inner?.['client-request-id'] === 'string' ? { clientRequestId: inner['client-request-id'] } : {}),
    };
  } catch {
    return undefined;
  }
}
