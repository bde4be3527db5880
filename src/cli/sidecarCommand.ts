import { CLOUDS, isCloudName } from '../core/config/clouds';
import type { CredentialHost, CredentialSource } from '../core/credentials/credentialSource';
import { terminalSafe } from '../core/safety/terminalText';
import { requestLine, type SidecarApi } from '../sidecar/requestRecord';
import {
  CONTAINER_ALLOW_OVERRIDES,
  ContainerConfigError,
  OVERRIDE_ROUTES,
  readContainerConfiguration,
  type AllowOverrides,
  type ContainerConfig,
} from '../sidecar/containerConfig';
import { allowedAuthority, credentialFromFlags, tokenOptions, variableName, withOptionalValue } from './tokenCommand';
import { writeErr } from './terminal';
import { parse, positiveInteger, requireFlag, UsageError } from './usage';

export const sidecarHelp = `Usage: entra-agent-tokens sidecar --tenant T --blueprint B CREDENTIAL [--authority URL] [--cloud C]
                                  [--allow-authority-host H]... [--port N] [--api NAME=SCOPE[,SCOPE...]]... [--api-base NAME=URL]...
                                  [--allow-overrides ROUTE[=false]]... [--json]
       entra-agent-tokens sidecar [--port N] [--json]     (configured by the container's own keys: AzureAd__*, DownstreamApis__*, Sidecar__*)
       entra-agent-tokens sidecar export --format compose|kubernetes|env [the same configuration flags, or keys]

Serves the Entra agent sidecar's API (Microsoft's auth-sidecar container) on 127.0.0.1 until interrupted, backed by
the blueprint's credential: agent code written for the sidecar (SIDECAR_URL, the Agents SDK's EntraAuthSideCar)
gets its tokens with no secret in its environment, and gets the answers the container would give.

  GET  /healthz
  GET  /AuthorizationHeaderUnauthenticated/{api}   POST /DownstreamApiUnauthenticated/{api}
  GET  /AuthorizationHeader/{api}                  POST /DownstreamApi/{api}               GET /Validate
      AgentIdentity, AgentUsername, AgentUserId, optionsOverride.* (Scopes, RequestAppToken, RelativePath,
      HttpMethod, AcceptHeader, ExtraHeaderParameters.*, ExtraQueryParameters.*, AcquireTokenOptions.Tenant,
      ...ForceRefresh, ...Claims, ...CorrelationId), honoured on a route only where its override key is on.

With the container's keys in the environment and no --tenant/--blueprint, they alone configure it, with the
container's defaults. With the flags, these conveniences, each marked on the requests it relies on: the APIs default
and graph (the cloud's Microsoft Graph) and agenticblueprint (the token exchange API, an app-token API), and overrides on
GetAuthorizationHeaderUnauthenticated (what the Agents SDK needs). An API gives a user's token unless it is an
app-token API or the request says optionsOverride.RequestAppToken=true, as in the container.

  --port N                    default 5178; 0 takes a free port
  --api NAME=SCOPES           a downstream API the caller names, with its scopes (comma-separated); repeatable
  --api-base NAME=URL         where POST /DownstreamApi*/NAME sends its calls (https, or http on loopback)
  --allow-overrides ROUTE     Sidecar__AllowOverrides__ROUTE (GetAuthorizationHeader, GetAuthorizationHeaderUnauthenticated,
                              CallDownstreamApi, CallDownstreamApiUnauthenticated) on, or =false off; repeatable
  --format F                  with "export": write what runs the real container (image, AzureAd__* with the credential as
                              a reference, every DownstreamApis__* served, built-ins included, Sidecar__AllowOverrides__*,
                              and the agent's SIDECAR_URL and connection) as an env file, Docker Compose or Kubernetes
  --json                      first line: {"url", "tenant", "blueprint", "apis", "allowOverrides", "notes"}; then one
                              JSON line per request
  --tenant, --blueprint, --authority, --cloud, --allow-authority-host and CREDENTIAL: as for "token".`;

const options = {
  ...tokenOptions,
  port: { type: 'string' },
  api: { type: 'string', multiple: true },
  'api-base': { type: 'string', multiple: true },
  'allow-overrides': { type: 'string', multiple: true },
  format: { type: 'string' },
} as const;

/** The flags' overrides: the container's, with GetAuthorizationHeaderUnauthenticated on (the Agents SDK needs it). */
const FLAG_ALLOW_OVERRIDES: AllowOverrides = {
  ...CONTAINER_ALLOW_OVERRIDES,
  GetAuthorizationHeaderUnauthenticated: true,
};

/** Whether the environment holds the container's configuration (AzureAd__ClientId, in any case, `__` or `:`). */
function hasContainerKeys(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some((k) => /^AzureAd(__|:)ClientId$/i.test(k));
}

interface Served {
  readonly authority: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly source: CredentialSource;
  readonly host: CredentialHost;
  readonly apis: readonly SidecarApi[];
  readonly allowOverrides: AllowOverrides;
  readonly audiences: readonly string[];
  readonly requiredScopes: string;
  readonly notes: readonly string[];
}

export async function runSidecar(
  args: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  stopped: Promise<void>,
): Promise<void> {
  const exporting = args[0] === 'export';
  const { values } = parse(
    'sidecar',
    withOptionalValue(exporting ? args.slice(1) : args, '--managed-identity'),
    options,
  );
  if (values.help) return out(`${sidecarHelp}\n`);
  if (values.format !== undefined && !exporting)
    throw new UsageError(
      '--format goes with "sidecar export": entra-agent-tokens sidecar export --format compose|kubernetes|env …',
    );
  if (values['client-secret'] !== undefined)
    throw new UsageError(
      '--client-secret is not accepted: pass --client-secret-env VAR (the variable holds the secret).',
    );
  for (const flag of ['agent', 'scope', 'flow', 'user-token-env', 'user-id', 'username'] as const)
    if (values[flag] !== undefined)
      throw new UsageError(`--${flag} does not go with "sidecar": the caller names the agent and scopes per request.`);
  const port = positiveInteger(values.port, '--port', 5178, 65535, 0);
  const timeoutMs = positiveInteger(values.timeout, '--timeout', 30_000, 600_000);
  const fromEnv = values.tenant === undefined && values.blueprint === undefined && hasContainerKeys(env);
  const { AgentSidecar, builtInApis, mergeApis } = await import('../sidecar/sidecarServer');
  if (exporting) {
    const format = values.format ?? '';
    const { exportSidecar, EXPORT_FORMATS } = await import('../sidecar/sidecarExport');
    if (!(EXPORT_FORMATS as readonly string[]).includes(format))
      throw new UsageError(
        `--format must be one of ${EXPORT_FORMATS.join(', ')}${format ? `, not "${format.slice(0, 20)}"` : ''}.`,
      );
    // The export names the credential and never reads it: a secret's variable need not be set here.
    const names = [values['client-secret-env'], values['certificate-password-env']].filter((v): v is string => !!v);
    const withoutSecrets = { ...env, ...Object.fromEntries(names.filter((n) => !env[n]).map((n) => [n, 'unused'])) };
    const config = fromEnv ? fromContainerKeys(values, env) : fromFlags(values, withoutSecrets, builtInApis, mergeApis);
    return out(
      exportSidecar(
        {
          authority: config.authority,
          tenant: config.tenant,
          clientId: config.clientId,
          credential: config.source,
          apis: config.apis,
          allowOverrides: config.allowOverrides,
          audiences: config.audiences,
          requiredScopes: config.requiredScopes ? config.requiredScopes.split(' ') : [],
        },
        format as Parameters<typeof exportSidecar>[1],
      ),
    );
  }
  const served = fromEnv ? fromContainerKeys(values, env) : fromFlags(values, env, builtInApis, mergeApis);

  const { AgentTokenEngine } = await import('../core/engine/agentTokens');
  const { acquirerOf } = await import('../core/engine/acquisition');
  const engine = new AgentTokenEngine({ timeoutMs });
  let sidecar: Awaited<ReturnType<typeof AgentSidecar.start>>;
  try {
    sidecar = await AgentSidecar.start({
      acquire: acquirerOf(engine, served.host),
      port,
      apis: served.apis,
      allowOverrides: served.allowOverrides,
      markDifferences: !fromEnv,
      audiences: served.audiences,
      requiredScopes: served.requiredScopes,
      blueprint: {
        authority: served.authority,
        tenant: served.tenant,
        clientId: served.clientId,
        credential: served.source,
      },
      onRequest: (r) =>
        out(
          values.json
            ? `${JSON.stringify({ ...r, at: r.at.toISOString(), ms: Math.round(r.ms * 10) / 10 })}\n`
            : `${requestLine(r, terminalSafe)}\n`,
        ),
    });
  } catch (e) {
    await engine.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(`--port: port ${port} is already in use. Pick another, or 0 for any free port.`);
    throw e;
  }
  const summary = {
    url: sidecar.url,
    tenant: served.tenant,
    blueprint: served.clientId,
    apis: sidecar.apiList.map((a) => ({ name: a.name, scopes: a.scopes, ...(a.builtIn ? { builtIn: true } : {}) })),
    allowOverrides: sidecar.overrides,
    notes: served.notes,
  };
  const on = OVERRIDE_ROUTES.filter((r) => sidecar.overrides[r]);
  out(
    values.json
      ? `${JSON.stringify(summary)}\n`
      : [
          `Agent sidecar listening at ${sidecar.url} for blueprint ${terminalSafe(served.clientId)} (tenant ${terminalSafe(served.tenant)}). Press Ctrl+C to stop.`,
          `  export SIDECAR_URL=${sidecar.url}`,
          `  APIs: ${summary.apis.map((a) => `${terminalSafe(a.name)} (${a.scopes.map(terminalSafe).join(' ')})${a.builtIn ? ' [built-in]' : ''}`).join(', ') || 'none'}`,
          `  Overrides honoured on: ${on.join(', ') || 'no route'}${fromEnv ? '' : ' (Sidecar__AllowOverrides__*)'}`,
          ...served.notes.map((n) => `  note: ${terminalSafe(n)}`),
          '',
        ].join('\n'),
  );
  await stopped;
  await sidecar.stop();
  await engine.close();
}

/** The container's own keys: what they configure, nothing added (no built-in APIs, the container's defaults). */
function fromContainerKeys(values: { [k: string]: unknown }, env: NodeJS.ProcessEnv): Served {
  for (const flag of [
    'api',
    'api-base',
    'allow-overrides',
    'authority',
    'cloud',
    'client-secret-env',
    'certificate',
    'federated-token-file',
    'managed-identity',
  ] as const)
    if (values[flag] !== undefined)
      throw new UsageError(
        `--${flag} does not go with the container's keys (AzureAd__ClientId is set and --tenant/--blueprint are not): set it as the container's configuration, or give --tenant and --blueprint to configure by flags.`,
      );
  let config: ContainerConfig;
  try {
    config = readContainerConfiguration(env);
  } catch (e) {
    if (e instanceof ContainerConfigError) throw new UsageError(e.message);
    throw e;
  }
  const authority = allowedAuthority(config.authority, (values['allow-authority-host'] as string[] | undefined) ?? []);
  const secretKey = config.credential.secretKey;
  const host: CredentialHost = {
    readSecret: async () => (secretKey ? env[secretKey] : undefined),
    warn: (w) => writeErr(`warning: ${terminalSafe(w)}\n`),
  };
  return {
    authority,
    tenant: config.tenant,
    clientId: config.clientId,
    source: config.credential.source,
    host,
    apis: config.apis,
    allowOverrides: config.allowOverrides,
    audiences: config.audiences,
    requiredScopes: config.requiredScopes.join(' '),
    notes: config.notes,
  };
}

function fromFlags(
  values: Parameters<typeof credentialFromFlags>[0] & {
    tenant?: string;
    blueprint?: string;
    cloud?: string;
    authority?: string;
    'allow-authority-host'?: string[];
    api?: string[];
    'api-base'?: string[];
    'allow-overrides'?: string[];
  },
  env: NodeJS.ProcessEnv,
  builtInApis: (authority: string) => SidecarApi[],
  mergeApis: (...lists: (readonly SidecarApi[])[]) => SidecarApi[],
): Served {
  const tenant = requireFlag(values.tenant, '--tenant', "the blueprint's tenant (id or domain)");
  const blueprint = requireFlag(values.blueprint, '--blueprint', "the blueprint's client id");
  const cloudName = values.cloud ?? 'public';
  if (!isCloudName(cloudName))
    throw new UsageError(`--cloud must be one of ${Object.keys(CLOUDS).join(', ')}, not "${cloudName.slice(0, 30)}".`);
  const authority = allowedAuthority(
    values.authority ?? CLOUDS[cloudName].authority,
    values['allow-authority-host'] ?? [],
  );
  for (const flag of ['client-secret-env', 'certificate-password-env'] as const)
    variableName(values[flag], `--${flag}`);
  const builtIns = builtInApis(authority);
  const named = (values.api ?? []).map(parseApi);
  const apis = withBaseUrls(mergeApis(builtIns, named), values['api-base'] ?? []);
  const { source, host } = credentialFromFlags(values, env);
  return {
    authority,
    tenant,
    clientId: blueprint.toLowerCase(),
    source,
    host,
    apis,
    allowOverrides: allowOverridesFromFlags(values['allow-overrides'] ?? []),
    audiences: [],
    requiredScopes: '',
    notes: [],
  };
}

/** --allow-overrides ROUTE[=true|false], over the flags' defaults. */
function allowOverridesFromFlags(flags: readonly string[]): AllowOverrides {
  const out: Record<string, boolean> = { ...FLAG_ALLOW_OVERRIDES };
  for (const flag of flags) {
    const m = /^([A-Za-z]+)(?:=(true|false))?$/i.exec(flag.trim());
    const route = m && OVERRIDE_ROUTES.find((r) => r.toLowerCase() === m[1]!.toLowerCase());
    if (!m || !route)
      throw new UsageError(
        `--allow-overrides takes ROUTE or ROUTE=false, ROUTE one of ${OVERRIDE_ROUTES.join(', ')}; not "${flag.slice(0, 60)}".`,
      );
    out[route] = m[2]?.toLowerCase() !== 'false';
  }
  return out as unknown as AllowOverrides;
}

function parseApi(value: string): { name: string; scopes: string[] } {
  const m = /^([A-Za-z0-9_.-]{1,64})=(.+)$/.exec(value);
  if (!m)
    throw new UsageError(
      `--api takes NAME=SCOPE[,SCOPE...], such as weather=api://weather/.default, not "${value.slice(0, 60)}".`,
    );
  const scopes = m[2]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new UsageError(`--api ${m[1]}: give at least one scope.`);
  return { name: m[1]!, scopes };
}

/** --api-base NAME=URL: the base URL of a named API (one given with --api or the environment, or a built-in). */
function withBaseUrls(apis: readonly SidecarApi[], bases: readonly string[]): SidecarApi[] {
  const out = [...apis];
  for (const value of bases) {
    const m = /^([A-Za-z0-9_.-]{1,64})=(.+)$/.exec(value);
    let url: URL | undefined;
    try {
      url = m ? new URL(m[2]!) : undefined;
    } catch {
      url = undefined;
    }
    if (!m || !url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new UsageError(
        `--api-base takes NAME=URL, such as weather=https://api.contoso.com, not "${value.slice(0, 60)}".`,
      );
    const i = out.findIndex((a) => a.name === m[1]);
    if (i < 0)
      throw new UsageError(
        `--api-base ${m[1]}: no API of that name (names are exact); add it with --api ${m[1]}=SCOPE.`,
      );
    out[i] = { ...out[i]!, baseUrl: url.href };
  }
  return out;
}
