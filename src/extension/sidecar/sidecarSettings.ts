// What Copy Sidecar Settings copies (in the lazy chunk dist/provisioning.js, with the command): the agent's .env
// and runnable curl lines. Ids and a loopback URL only: nothing secret.

export interface SidecarSettingsInput {
  readonly url: string;
  readonly blueprintName: string;
  readonly blueprintId: string;
  readonly tenant: string;
  /** An agent identity of that blueprint, for the example request. */
  readonly agentId?: string;
  /** The APIs it serves by name (graph, the sandbox's weather, the user's): one example request each. */
  readonly apis?: readonly string[];
  /**
   * The container's keys this sidecar's answers rely on that the container does not have by default (the
   * overrides it honours, the built-in APIs it serves), as `KEY=value` lines.
   */
  readonly containerKeys?: readonly string[];
}

/**
 * What "Copy Sidecar Settings" copies: SIDECAR_URL, a Microsoft 365 Agents SDK connection that gets its tokens from
 * the sidecar (authType EntraAuthSideCar), and a plain-HTTP example. Ids and a loopback URL only: nothing secret.
 */
export function sidecarSettingsText(s: SidecarSettingsInput): string {
  return [
    `# Entra Agent Tokens: the local agent sidecar for blueprint "${s.blueprintName}" (${s.blueprintId}),`,
    `# tenant ${s.tenant}. No secret goes in this file: the sidecar holds the credential.`,
    `SIDECAR_URL=${s.url}`,
    '',
    '# Microsoft 365 Agents SDK (JavaScript, @microsoft/agents-hosting): a connection served by the sidecar',
    'connections__serviceConnection__settings__authType=EntraAuthSideCar',
    `connections__serviceConnection__settings__clientId=${s.blueprintId}`,
    `connections__serviceConnection__settings__tenantId=${s.tenant}`,
    'connectionsMap__0__connection=serviceConnection',
    'connectionsMap__0__serviceUrl=*',
    '',
    '# Plain HTTP: the agent identity\'s token for each API (answer: {"authorizationHeader":"Bearer …"}); the same',
    '# lines, ready for a shell, are one click away (Copy curl Commands on the notification).',
    ...sidecarCurlLines(s).map((l) => `#   ${l}`),
    ...(s.containerKeys?.length
      ? [
          '',
          '# In production, the auth-sidecar container answers as this sidecar does only with these keys too',
          '# (its defaults differ):',
          ...s.containerKeys.map((k) => `#   ${k}`),
        ]
      : []),
    '',
  ].join('\n');
}

/** One curl per API the sidecar serves (Graph first), as the agent identity: runnable in a shell as they are. */
export function sidecarCurlLines(s: SidecarSettingsInput): string[] {
  const agent = s.agentId ? encodeURIComponent(s.agentId) : '<agent identity client id>';
  const names = s.apis?.length ? [...s.apis].filter((n) => !SIDECAR_INTERNAL_APIS.has(n)) : ['graph'];
  const ordered = [...names.filter((n) => n === 'graph'), ...names.filter((n) => n !== 'graph')];
  return ordered.map(
    (name) =>
      `curl -s "${s.url}/AuthorizationHeaderUnauthenticated/${encodeURIComponent(name)}?AgentIdentity=${agent}&optionsOverride.RequestAppToken=true"`,
  );
}

/** Names the sidecar answers that are not an API to call (Graph's alias, the blueprint's exchange token). */
const SIDECAR_INTERNAL_APIS = new Set(['agenticblueprint', 'default']);
