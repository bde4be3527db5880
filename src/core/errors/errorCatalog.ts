/**
 * What each AADSTS code means for someone getting an agent token, and what to do about it.
 * Covers every code in shared docs §4 plus the few the sandbox returns. One sentence each.
 */
export interface ErrorExplanation {
  readonly explanation: string;
  readonly fix: string;
}

const catalog: Readonly<Record<number, ErrorExplanation>> = {
  7000215: {
    explanation: 'The client secret sent for the blueprint is not valid.',
    fix: 'Use the secret *value* (not its secret ID) from the blueprint\'s "Certificates & secrets" page, or create a new secret.',
  },
  7000222: {
    explanation: "The blueprint's client secret has expired.",
    fix: 'Create a new client secret for the blueprint and store it in place of the old one.',
  },
  7000218: {
    explanation: 'The request carried neither a client_secret nor a client_assertion.',
    fix: 'Configure a credential for the blueprint (a client secret or a certificate).',
  },
  900144: {
    explanation: 'A required parameter was missing from the token request.',
    fix: 'Check that every required field (client id, scope, credential) is set; the description names the missing parameter.',
  },
  700016: {
    explanation: 'No application with this client id exists in the tenant.',
    fix: "Check the client id and the tenant: the blueprint or agent identity must live in the tenant you target (for cross-tenant agents, the agent identity's home tenant).",
  },
  700027: {
    explanation:
      'The client assertion failed signature validation, or its certificate is not registered on the application.',
    fix: 'Upload the certificate (public part) to the blueprint, and sign with the private key that matches it.',
  },
  700024: {
    explanation: 'The client assertion is not within its valid time range.',
    fix: 'Check the machine clock, and make sure the assertion (or T1) is used before it expires.',
  },
  50027: {
    explanation: 'The JWT presented is invalid or malformed (claims, issuer, audience, time or format).',
    fix: 'For a certificate assertion, set aud to the exact token endpoint URL and iss = sub = the client id.',
  },
  50013: {
    explanation:
      'The assertion is invalid; in the on-behalf-of flow this usually means the user token was not issued for the blueprint.',
    fix: 'Request the user token with the blueprint as audience (for example api://{blueprint}/access_as_user), not Microsoft Graph.',
  },
  50012: {
    explanation: "Authentication failed, for example because an assertion's signature is invalid.",
    fix: 'Check the credential configured for the blueprint and that assertions are signed with the registered key.',
  },
  50048: {
    explanation: "The client assertion's subject (sub) does not match its issuer (iss).",
    fix: 'Set both iss and sub of the client assertion to the client id.',
  },
  700021: {
    explanation: 'The client assertion names a different application than the client_id parameter.',
    fix: 'Set iss and sub of the client assertion to the same client id the request sends.',
  },
  90002: {
    explanation: 'The tenant was not found.',
    fix: 'Check the tenant id or domain; it must be the directory that holds the blueprint and agent identity.',
  },
  70011: {
    explanation: 'The scope requested is not valid.',
    fix: 'Request exactly one resource scope ending in /.default, such as https://graph.microsoft.com/.default.',
  },
  700022: {
    explanation: 'The scopes requested span more than one resource.',
    fix: 'Request scopes for one resource at a time.',
  },
  1002012: {
    explanation: 'The client credentials flow needs a scope ending in /.default.',
    fix: 'Use <resource>/.default, for example https://graph.microsoft.com/.default.',
  },
  500011: {
    explanation: 'The resource the scope names has no service principal in the tenant.',
    fix: 'Check the resource part of the scope, or ask an admin to provision the resource application in the tenant.',
  },
  65001: {
    explanation: 'Consent has not been granted for the permission requested.',
    fix: 'Grant the agent identity the permission it asks for (an app role of the resource for an app-only token; Grant Permissions… on the agent in VS Code), by anyone allowed to grant it, then ask again.',
  },
  70003: {
    explanation: 'The grant type is not supported for this client.',
    fix: 'Agent identities support client_credentials, jwt-bearer (on-behalf-of) and refresh_token only.',
  },
  7000112: {
    explanation: 'The application (blueprint or agent identity) is disabled.',
    fix: 'Enable the agent identity or blueprint in the tenant, or use another one.',
  },
  7000229: {
    explanation:
      'The blueprint has no service principal in this tenant: Graph creates a blueprint without one, and it cannot sign in until one exists.',
    fix: 'Create its principal (POST /servicePrincipals/microsoft.graph.agentIdentityBlueprintPrincipal with its appId); in VS Code, run "Finish Setup" on the blueprint.',
  },
  700229: {
    explanation: 'Only app-only tokens can be used as federated credentials for an Entra issuer.',
    fix: 'Use an app-only token (for example T1 from the blueprint), not a user token, as the client assertion.',
  },
  70021: {
    explanation: 'No federated identity credential matches the assertion presented.',
    fix: "Check the federated credential's issuer, subject and audience against the assertion.",
  },
  700211: {
    explanation:
      "No federated identity credential matches the assertion's issuer; for agents this often means leg 1 targeted the blueprint's tenant instead of the agent identity's home tenant.",
    fix: "Request T1 in the agent identity's home tenant, or fix the federated credential's issuer.",
  },
  700212: {
    explanation: "No federated identity credential matches the assertion's audience.",
    fix: 'Request the assertion (T1 or the managed-identity token) for api://AzureADTokenExchange.',
  },
  700213: {
    explanation:
      "No federated identity credential matches the assertion's subject; for agents, T1 was requested for a different agent identity (fmi_path).",
    fix: 'Request T1 with fmi_path set to the client id of the agent identity that presents it.',
  },
  82001: {
    explanation:
      'This application may not ask for this kind of token: an agent identity blueprint may not request an app-only token for the resource as itself, and agent identities may not use RFC 8693 token exchange.',
    fix: "Get the token as the agent identity (the two-leg exchange: T1 from the blueprint with fmi_path, then T1 as the agent's client_assertion; in the CLI, --agent), or use an application that is not an agent identity blueprint.",
  },
  82008: {
    explanation:
      'A blueprint asked for a token-exchange token (T1) without naming the agent identity in fmi_path; older MSAL versions drop that parameter.',
    fix: "Send fmi_path = the agent identity's client id on leg 1 (the CLI's --agent; Get Agent Token on the agent in VS Code). For a single-instance agent there is no T1: ask for the resource itself (--single-instance).",
  },
  82014: {
    explanation:
      'An agent identity was sent to sign a user in or to ask for consent interactively (/authorize), which agent identities cannot do.',
    fix: "Make the resource's permissions inheritable on the blueprint and have an admin grant them to the blueprint's principal (Grant Permissions… on the blueprint), or sign users in with a local agent's own client id (Sign In to Local Agent…, the CLI's sign-in).",
  },
  50000: {
    explanation:
      'Entra had a server error; in the agent-user flow this usually means a UPN was sent in user_id, which takes an object id.',
    fix: "Send the agent user's object id as user_id, or its UPN as username (the CLI's --user-id or --username); otherwise retry in a moment.",
  },
  7000216: {
    explanation: 'A leg of the exchange sent no credential: neither client_secret nor client_assertion.',
    fix: "Attach the blueprint's credential to leg 1 and T1 as the agent's client_assertion on the next legs (Set Credential… on the blueprint; the CLI's credential flags).",
  },
  9002324: {
    explanation:
      'The request carried more than one client credential (for example a client_secret and a client_assertion).',
    fix: 'Send exactly one credential per request: give the blueprint one credential (Set Credential… replaces the old one).',
  },
  53003: {
    explanation:
      'Conditional Access blocked this sign-in: a policy of the tenant applies to this agent identity or user.',
    fix: 'Ask a tenant admin to check the sign-in log and run Conditional Access What If for the agent identity (POST /beta/identity/conditionalAccess/evaluate); the policy, not the request, must change.',
  },
  50126: {
    explanation: 'The user name or password is wrong.',
    fix: "Check the user's credentials (the sandbox's user is printed by its --json output).",
  },
  50034: {
    explanation: 'The user account does not exist in the directory, or it is not an agent user of this agent identity.',
    fix: "Check the agent user's object id or UPN, and that its identity parent is the agent identity you use.",
  },
  500133: {
    explanation: 'The user token (assertion) is not within its valid time range.',
    fix: 'Get a fresh user token and retry the on-behalf-of exchange.',
  },
  70000: {
    explanation:
      'The refresh token (or other grant) is invalid, expired, already used, or was issued to another client.',
    fix: 'Run the on-behalf-of exchange again with a fresh user token to get a new refresh token.',
  },
  50196: {
    explanation: 'Entra detected a loop of repeated identical requests.',
    fix: 'Cache tokens and reuse them until shortly before they expire instead of requesting them in a loop.',
  },
  90055: {
    explanation: 'The tenant is being throttled because of too many requests.',
    fix: 'Reduce the request rate and reuse cached tokens; retry after the time Entra suggests.',
  },
};

export function explainAadsts(code: number | undefined): ErrorExplanation | undefined {
  return code === undefined ? undefined : catalog[code];
}

export const catalogedCodes: readonly number[] = Object.keys(catalog).map(Number);

/**
 * Where the fix for an error is made, so a face can offer it as one action: the blueprint's credential, the
 * blueprint's tenant or client id, the agent identity (its home tenant, its scope), a permission to grant it, the
 * settings, or simply again.
 */
export type Remedy = 'credential' | 'blueprint' | 'agent' | 'grant' | 'settings' | 'retry';

const remedies: Readonly<Record<number, Remedy>> = {
  7000215: 'credential',
  7000222: 'credential',
  7000218: 'credential',
  700027: 'credential',
  50012: 'credential',
  70021: 'credential',
  90002: 'blueprint',
  700016: 'blueprint',
  7000229: 'blueprint',
  700211: 'agent',
  70011: 'agent',
  700022: 'agent',
  1002012: 'agent',
  500011: 'agent',
  65001: 'grant',
  82008: 'agent',
  82014: 'grant',
  7000216: 'credential',
  9002324: 'credential',
  // A certificate assertion of the wrong shape: the credential is where it is made.
  50027: 'credential',
  50048: 'credential',
  700021: 'credential',
  // Time and rate: a fresh request (after the clock or the wait) is the fix.
  700024: 'retry',
  500133: 'retry',
  70000: 'retry',
  50196: 'retry',
  90055: 'retry',
};

/** The remedy for an Entra answer: by its AADSTS code, else retry for throttling and server errors. */
export function remedyOf(code: number | undefined, httpStatus: number): Remedy | undefined {
  if (code !== undefined && remedies[code]) return remedies[code];
  return httpStatus === 429 || httpStatus >= 500 ? 'retry' : undefined;
}

/** For error bodies with no AADSTS code (a bare 429 page, a 503 from a proxy). */
export function explainHttpStatus(status: number): ErrorExplanation {
  if (status === 429) {
    return {
      explanation: 'Entra is throttling requests (HTTP 429).',
      fix: 'Wait before retrying and reuse cached tokens instead of requesting new ones.',
    };
  }
  if (status >= 500) {
    return {
      explanation: `The token endpoint had a server error (HTTP ${status}).`,
      fix: 'Retry in a moment; if it persists, check the Entra service health.',
    };
  }
  if (status === 401 || status === 403) {
    return {
      explanation: `The token endpoint refused the client (HTTP ${status}).`,
      fix: "Check the blueprint's credential.",
    };
  }
  return {
    explanation: `The token endpoint answered HTTP ${status} without an Entra error body.`,
    fix: 'Check the authority URL: it should be an Entra endpoint such as https://login.microsoftonline.com.',
  };
}
