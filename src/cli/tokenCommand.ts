import { CLOUDS, defaultGraphScope, isCloudName } from '../core/config/clouds';
import { ENTRA_AUTHORITY_HOSTS, isAllowedAuthority } from '../core/config/authorityPolicy';
import { cliFieldNames, DEFAULT_AUTHORITY, DEFAULT_SCOPE, isGuid, validateAuthority } from '../core/config/config';
import type { TokenRequest } from '../core/engine/acquisition';
import type { AgentTokenResult } from '../core/engine/agentTokens';
import type { CredentialHost, CredentialSource } from '../core/credentials/credentialSource';
import { CredentialError } from '../core/errors/errors';
import { terminalSafe } from '../core/safety/terminalText';
import { formatToken } from './output';
import { writeErr } from './terminal';
import { parse, positiveInteger, requireFlag, UsageError } from './usage';

export const tokenHelp = `Usage: entra-agent-tokens token --tenant T --blueprint B --agent A [--scope S] [--authority URL] CREDENTIAL [--json] [--timeout MS]
                                [--flow autonomous|obo|agent-user|app] [--user-token-env VAR] [--user-id ID | --username UPN]
       entra-agent-tokens token --tenant T --blueprint B --single-instance [--scope S] CREDENTIAL [--json]

Gets an agent token: the blueprint's T1 (with fmi_path = the agent), then the agent identity's token.

  --flow F                     autonomous (default): the agent acts as itself (app-only, scope <resource>/.default)
                               obo: on behalf of a signed-in user, whose token for the blueprint is in --user-token-env
                               agent-user: as the agent's own user account (--user-id or --username); three legs
                               app: the blueprint's own app-only token for --scope (one leg, no --agent)
  --single-instance            a single-instance agent (preview): it shares --blueprint's client id, so one request
                               with the blueprint's credential, no T1, no fmi_path, no --agent
  --user-token-env VAR         obo: the user's access token for the blueprint (aud = the blueprint), from variable VAR
  --user-id ID, --username UPN agent-user: the agent user's object id (preferred) or UPN

  --tenant T                   the agent identity's home tenant: id (GUID) or domain
  --blueprint B                the agent identity blueprint's client id
  --agent A                    the agent identity's client id
  --scope S                    resource scope ending in /.default (default: the cloud's Graph, ${DEFAULT_SCOPE})
  --cloud C                    public (default), usgov or china: sets the authority and the default Graph scope
  --authority URL              default: the cloud's, ${DEFAULT_AUTHORITY}; http only for loopback (the sandbox)
  --allow-authority-host HOST  also send credentials to this authority host (repeatable); otherwise only Entra's
                               cloud hosts and loopback are accepted
  --json                       print one JSON object on stdout
  --timeout MS                 per-request timeout in milliseconds (default 30000)

CREDENTIAL, exactly one of (a secret is never accepted on the command line):
  --client-secret-env VAR      read the blueprint's client secret from environment variable VAR
  --certificate FILE           PEM holding the certificate and its private key, or a PKCS#12 .pfx/.p12 file
    [--certificate-password-env VAR]  the key's passphrase or the PFX password, from environment variable VAR
    [--assertion-alg PS256|RS256]     PS256 with x5t#S256 (default), or RS256 with x5t for older setups
  --federated-token-file FILE  a workload identity token (AKS AZURE_FEDERATED_TOKEN_FILE, GitHub Actions OIDC), read fresh
  --managed-identity [ID]      this machine's managed identity (user-assigned by client id, or system-assigned), its
                               token for the cloud's api://AzureADTokenExchange audience

Example:
  export BLUEPRINT_SECRET=...   # the secret value
  entra-agent-tokens token --tenant contoso.onmicrosoft.com --blueprint <guid> --agent <guid> --client-secret-env BLUEPRINT_SECRET`;

export const tokenOptions = {
  tenant: { type: 'string' },
  blueprint: { type: 'string' },
  agent: { type: 'string' },
  scope: { type: 'string' },
  authority: { type: 'string' },
  'allow-authority-host': { type: 'string', multiple: true },
  'client-secret-env': { type: 'string' },
  'client-secret': { type: 'string' },
  certificate: { type: 'string' },
  'certificate-password-env': { type: 'string' },
  'assertion-alg': { type: 'string' },
  'federated-token-file': { type: 'string' },
  'managed-identity': { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  flow: { type: 'string' },
  'single-instance': { type: 'boolean' },
  cloud: { type: 'string' },
  'user-token-env': { type: 'string' },
  'user-id': { type: 'string' },
  username: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLOWS = ['autonomous', 'obo', 'agent-user', 'app'] as const;

export async function runToken(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  out: (s: string) => void,
): Promise<void> {
  const { values } = parse('token', withOptionalValue(args, '--managed-identity'), tokenOptions);
  if (values.help) return out(`${tokenHelp}\n`);
  const { request, host, timeoutMs } = tokenRequestFromFlags(values, env);
  const result = await acquireWithFlags(request, host, timeoutMs, signal);
  out(values.json ? `${JSON.stringify(toJson(result))}\n` : formatResult(result));
}

type TokenFlagValues = ReturnType<typeof parse<typeof tokenOptions>>['values'];

/**
 * The token options as the core's one request, its credential host and the timeout: what `token` and `call` share.
 * Checks everything the flags alone can say; `scope` (from `call`'s URL) replaces the cloud's default when no --scope.
 */
export function tokenRequestFromFlags(
  values: TokenFlagValues,
  env: NodeJS.ProcessEnv,
  scope?: string,
): { request: TokenRequest; host: CredentialHost; timeoutMs: number } {
  if (values['client-secret'] !== undefined) {
    throw new UsageError(
      '--client-secret is not accepted: a secret on the command line ends up in shell history and process lists. Put it in an environment variable and pass --client-secret-env VAR.',
    );
  }
  if (values['single-instance'] && values.flow !== undefined)
    throw new UsageError(
      '--single-instance does not go with --flow: a single-instance agent has one flow, one request.',
    );
  const flow = values['single-instance'] ? 'single-instance' : (values.flow ?? 'autonomous');
  if (flow !== 'single-instance' && !(FLOWS as readonly string[]).includes(flow))
    throw new UsageError(`--flow must be one of ${FLOWS.join(', ')}, not "${flow.slice(0, 30)}".`);
  const tenant = requireFlag(
    values.tenant,
    '--tenant',
    flow === 'app' ? "the blueprint's tenant (id or domain)" : "the agent identity's home tenant (id or domain)",
  );
  const blueprint = requireFlag(
    values.blueprint,
    '--blueprint',
    flow === 'single-instance'
      ? 'the client id the single-instance agent shares with its blueprint'
      : "the blueprint's client id",
  );
  if (flow === 'app' && values.agent !== undefined)
    throw new UsageError('--agent does not go with --flow app: the blueprint asks for its own token.');
  if (flow === 'single-instance' && values.agent !== undefined)
    throw new UsageError(
      "--agent does not go with --single-instance: a single-instance agent shares its blueprint's client id (--blueprint), and its token is one request with no fmi_path.",
    );
  const oneLeg = flow === 'app' || flow === 'single-instance';
  const agent = oneLeg ? '' : requireFlag(values.agent, '--agent', "the agent identity's client id");
  const timeoutMs = positiveInteger(values.timeout, '--timeout', 30_000, 600_000);
  if (flow !== 'obo' && values['user-token-env'] !== undefined)
    throw new UsageError('--user-token-env goes with --flow obo.');
  if (flow !== 'agent-user' && (values['user-id'] !== undefined || values.username !== undefined))
    throw new UsageError('--user-id and --username go with --flow agent-user.');
  const cloudName = values.cloud ?? 'public';
  if (!isCloudName(cloudName))
    throw new UsageError(`--cloud must be one of ${Object.keys(CLOUDS).join(', ')}, not "${cloudName.slice(0, 30)}".`);
  const cloud = CLOUDS[cloudName];
  const authority = allowedAuthority(values.authority ?? cloud.authority, values['allow-authority-host'] ?? []);
  for (const flag of ['client-secret-env', 'certificate-password-env', 'user-token-env'] as const)
    variableName(values[flag], `--${flag}`);
  const { source, host } = credentialFromFlags(values, env);

  const base = {
    authority,
    tenant,
    blueprintId: blueprint,
    scope: values.scope ?? scope ?? defaultGraphScope(cloud),
    credential: source,
    cloud: cloudName,
  };
  let request: TokenRequest;
  if (flow === 'obo') {
    const variable = requireFlag(
      values['user-token-env'],
      '--user-token-env',
      "the environment variable holding the user's token for the blueprint",
    );
    const userToken = env[variable];
    if (!userToken) throw new UsageError(`--user-token-env: environment variable ${variable} is not set or is empty.`);
    request = { ...base, flow, agentId: agent, userToken };
  } else if (flow === 'agent-user') {
    // Both or neither is refused by the core's check, which names the flags.
    const user = {
      ...(values['user-id'] !== undefined ? { userId: values['user-id'] } : {}),
      ...(values.username !== undefined ? { username: values.username } : {}),
    } as { userId: string };
    request = { ...base, flow, agentId: agent, user };
  } else if (flow === 'app' || flow === 'single-instance') {
    request = { ...base, flow };
  } else {
    request = { ...base, flow: 'autonomous', agentId: agent };
  }
  return { request, host, timeoutMs };
}

/** One acquisition on an engine of its own (a CLI process makes one), named by the flags in its messages. */
export async function acquireWithFlags(
  request: TokenRequest,
  host: CredentialHost,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AgentTokenResult> {
  // acquireToken checks the request before it reads a file or sends anything; the engine makes no connection until then.
  const { acquireToken } = await import('../core/engine/acquisition');
  const { AgentTokenEngine } = await import('../core/engine/agentTokens');
  const names = { ...cliFieldNames, userToken: '--user-token-env', userId: '--user-id', username: '--username' };
  const engine = new AgentTokenEngine({ timeoutMs });
  try {
    return await acquireToken(engine, request, host, { signal, names }).catch((e: unknown) => {
      if (e instanceof CredentialError && e.part === 'certificate') throw new UsageError(`--certificate: ${e.message}`);
      throw e;
    });
  } finally {
    await engine.close();
  }
}

/**
 * Credentials go only to Entra's cloud hosts, loopback (the sandbox) and hosts the user names: a mistyped or planted
 * --authority (login.microsoftonline.com.attacker.example) is refused before anything is read or sent.
 */
export function allowedAuthority(value: string, allowHosts: readonly string[]): string {
  const authority = validateAuthority(value, '--authority');
  for (const h of allowHosts) {
    if (!/^[a-z0-9.-]{1,253}$/i.test(h.trim()))
      throw new UsageError(
        `--allow-authority-host takes a host name, such as login.contoso.example, not "${h.slice(0, 60)}".`,
      );
  }
  if (!isAllowedAuthority(authority, allowHosts)) {
    const host = new URL(authority).hostname;
    throw new UsageError(
      `--authority: ${host} is not an Entra sign-in host (${ENTRA_AUTHORITY_HOSTS.join(', ')}) nor loopback, so nothing was sent. Check the URL; if you trust this host, add --allow-authority-host ${host}.`,
    );
  }
  return authority;
}

/**
 * A *-env flag names a variable. Someone will paste the secret itself there, so a value that is not a variable name
 * is never repeated back.
 */
export function variableName(value: string | undefined, flag: string): void {
  if (value === undefined || /^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(value)) return;
  throw new UsageError(
    `${flag} takes the NAME of an environment variable (letters, digits and _), and the value given is not one. It is not shown here, in case it is the secret itself. Put the value in a variable (export BLUEPRINT_SECRET=...) and pass its name: ${flag} BLUEPRINT_SECRET.`,
  );
}

interface CredentialFlags {
  'client-secret-env'?: string;
  certificate?: string;
  'certificate-password-env'?: string;
  'assertion-alg'?: string;
  'federated-token-file'?: string;
  'managed-identity'?: string;
}

/**
 * The flags' credential as the core's description, and the host that hands over its secret values from the
 * environment. Checks what only the flags can say (exactly one credential, variables set); the core does the rest.
 */
export function credentialFromFlags(
  values: CredentialFlags,
  env: NodeJS.ProcessEnv,
): { source: CredentialSource; host: CredentialHost } {
  const secretVar = values['client-secret-env'];
  const certFile = values.certificate;
  const given = [secretVar, certFile, values['federated-token-file'], values['managed-identity']].filter(
    (v) => v !== undefined,
  ).length;
  if (given !== 1) {
    throw new UsageError(
      'Give exactly one credential: --client-secret-env VAR (the secret in environment variable VAR), --certificate FILE.pem, --federated-token-file FILE or --managed-identity [CLIENT_ID].',
    );
  }
  if (
    certFile === undefined &&
    (values['certificate-password-env'] !== undefined || values['assertion-alg'] !== undefined)
  ) {
    throw new UsageError('--certificate-password-env and --assertion-alg go with --certificate.');
  }
  const secret = secretVar === undefined ? undefined : env[secretVar];
  if (secretVar !== undefined && !secret)
    throw new UsageError(
      `--client-secret-env: environment variable ${secretVar} is not set or is empty. Set it to the blueprint's client secret value.`,
    );
  const passVar = values['certificate-password-env'];
  const passphrase = passVar === undefined ? undefined : env[passVar];
  if (passVar !== undefined && !passphrase)
    throw new UsageError(`--certificate-password-env: environment variable ${passVar} is not set or is empty.`);
  const host: CredentialHost = {
    readSecret: async (name) => (name === 'clientSecret' ? secret : passphrase),
    warn: (w) => writeErr(`warning: ${terminalSafe(w)}\n`),
  };
  if (values['federated-token-file'] !== undefined)
    return { source: { kind: 'federatedTokenFile', path: values['federated-token-file'] }, host };
  if (values['managed-identity'] !== undefined) {
    const id = values['managed-identity'];
    if (id && !isGuid(id))
      throw new UsageError(
        `--managed-identity: "${id.slice(0, 40)}" is not a client id (GUID); leave it out for the system-assigned identity.`,
      );
    return { source: { kind: 'managedIdentity', ...(id ? { clientId: id } : {}) }, host };
  }
  if (secretVar !== undefined) return { source: { kind: 'secret' }, host };
  const alg = values['assertion-alg'] ?? 'PS256';
  if (alg !== 'PS256' && alg !== 'RS256')
    throw new UsageError(`--assertion-alg must be PS256 or RS256, not "${alg.slice(0, 20)}".`);
  return { source: { kind: 'certificate', path: certFile as string, algorithm: alg }, host };
}

/** The --json contract: exactly these fields. */
export function toJson(result: AgentTokenResult) {
  return {
    flow: result.flow,
    accessToken: result.accessToken,
    expiresOn: result.expiresOn.toISOString(),
    claims: result.token.claims,
    legs: result.legs.map((l) => ({
      name: l.name,
      status: l.status,
      durationMs: l.durationMs,
      claims: l.token.claims,
    })),
  };
}

const LEG_TITLES: Record<string, string> = {
  blueprint: "T1: the blueprint's token for the agent identity",
  'single-instance': "The single-instance agent's token (one request, no T1)",
  'local-agent': "The user's token, signed in to the local agent (code + PKCE verifier)",
  agent: "The agent identity's token",
  'agent-user': "The agent user's token",
};

export function formatResult(result: AgentTokenResult): string {
  const lines = [
    `Agent token acquired (${result.flow} flow), expires ${result.expiresOn.toISOString()}.`,
    '',
    ...result.legs.map(
      (l, i) =>
        `  leg ${i + 1} ${l.name.padEnd(9)} POST ${terminalSafe(l.url)} → ${l.status} in ${l.durationMs} ms  [${Object.entries(
          l.parameters,
        )
          .map(([k, v]) => terminalSafe(`${k}=${v}`))
          .join(' ')}]`,
    ),
    '',
    ...result.legs.map((l, i) =>
      formatToken(
        `${i === result.legs.length - 1 ? 'Final token: ' : ''}${result.flow === 'app' ? "The blueprint's own app token" : (LEG_TITLES[l.name] ?? l.name)} (leg ${i + 1})`,
        l.token,
      ),
    ),
    'Access token:',
    terminalSafe(result.accessToken),
    '',
  ];
  return lines.join('\n');
}

/** Lets a flag take an optional value: `--managed-identity` alone (or before another flag) means an empty one. */
export function withOptionalValue(args: string[], flag: string): string[] {
  return args.flatMap((a, i) =>
    a === flag && (i === args.length - 1 || args[i + 1]!.startsWith('--')) ? [`${flag}=`] : [a],
  );
}
