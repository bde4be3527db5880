import { CLOUDS, isCloudName } from '../core/config/clouds';
import { terminalSafe } from '../core/safety/terminalText';
import { requestLine } from '../sidecar/requestRecord';
import { allowedAuthority, credentialFromFlags, tokenOptions, variableName, withOptionalValue } from './tokenCommand';
import { parse, positiveInteger, requireFlag, UsageError } from './usage';

export const sidecarHelp = `Usage: entra-agent-tokens sidecar --tenant T --blueprint B CREDENTIAL [--authority URL] [--cloud C]
                                  [--allow-authority-host H]... [--port N] [--api NAME=SCOPE[,SCOPE...]]... [--api-base NAME=URL]... [--json]

Serves the Entra agent sidecar's API (Microsoft's auth-sidecar container) on 127.0.0.1 until interrupted, backed by
the blueprint's credential: agent code written for the sidecar (SIDECAR_URL, the Agents SDK's EntraAuthSideCar)
gets its tokens with no secret in its environment.

  GET /healthz
  GET /AuthorizationHeaderUnauthenticated/{api}[?AgentIdentity=A[&AgentUsername=UPN | &AgentUserId=ID]]
      optionsOverride.Scopes (repeatable), optionsOverride.AcquireTokenOptions.Tenant, ...ForceRefresh
  APIs: default and graph (the cloud's Microsoft Graph), agenticblueprint (T1 for an agent), and --api ones.

  --port N            default 5178; 0 takes a free port
  --api NAME=SCOPES   a downstream API the caller names, with its scopes (comma-separated); repeatable
  --api-base NAME=URL where POST /DownstreamApiUnauthenticated/NAME sends its calls (https, or http on loopback)
  --json              first line: {"url", "tenant", "blueprint", "apis"}; then one JSON line per request
  --tenant, --blueprint, --authority, --cloud, --allow-authority-host and CREDENTIAL: as for "token".`;

const options = {
  ...tokenOptions,
  port: { type: 'string' },
  api: { type: 'string', multiple: true },
  'api-base': { type: 'string', multiple: true },
} as const;

export async function runSidecar(
  args: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  stopped: Promise<void>,
): Promise<void> {
  // Without the flags, the real container's configuration keys: an existing Compose .env works as it is.
  const given = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  const fromEnv = !given('--tenant') && !given('--blueprint') && env.AzureAd__ClientId !== undefined;
  const { values } = parse(
    'sidecar',
    withOptionalValue(fromEnv ? [...containerConfiguration(env), ...args] : args, '--managed-identity'),
    options,
  );
  if (values.help) return out(`${sidecarHelp}\n`);
  if (values['client-secret'] !== undefined)
    throw new UsageError(
      '--client-secret is not accepted: pass --client-secret-env VAR (the variable holds the secret).',
    );
  for (const flag of ['agent', 'scope', 'flow', 'user-token-env', 'user-id', 'username'] as const)
    if (values[flag] !== undefined)
      throw new UsageError(`--${flag} does not go with "sidecar": the caller names the agent and scopes per request.`);
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
  const port = positiveInteger(values.port, '--port', 5178, 65535, 0);
  const timeoutMs = positiveInteger(values.timeout, '--timeout', 30_000, 600_000);
  const named = [...(fromEnv ? downstreamApisFromEnv(env) : []), ...(values.api ?? []).map(parseApi)];
  const { AgentSidecar, builtInApis } = await import('../sidecar/sidecarServer');
  const apis = withBaseUrls(named, values['api-base'] ?? [], builtInApis(authority));
  const { source, host } = credentialFromFlags(values, env);

  const { AgentTokenEngine } = await import('../core/engine/agentTokens');
  const { acquirerOf } = await import('../core/engine/acquisition');
  const engine = new AgentTokenEngine({ timeoutMs });
  let sidecar: Awaited<ReturnType<typeof AgentSidecar.start>>;
  try {
    sidecar = await AgentSidecar.start({
      acquire: acquirerOf(engine, host),
      port,
      apis,
      addApiHint: 'Add it with --api NAME=SCOPES (and --api-base NAME=URL for DownstreamApi).',
      blueprint: { authority, tenant, clientId: blueprint.toLowerCase(), credential: source },
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
    tenant,
    blueprint,
    apis: sidecar.apiList.map((a) => ({ name: a.name, scopes: a.scopes })),
  };
  out(
    values.json
      ? `${JSON.stringify(summary)}\n`
      : `Agent sidecar listening at ${sidecar.url} for blueprint ${terminalSafe(blueprint)} (tenant ${terminalSafe(tenant)}). Press Ctrl+C to stop.\n  export SIDECAR_URL=${sidecar.url}\n  APIs: ${summary.apis.map((a) => `${terminalSafe(a.name)} (${a.scopes.map(terminalSafe).join(' ')})`).join(', ')}\n`,
  );
  await stopped;
  await sidecar.stop();
  await engine.close();
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

const CREDENTIAL = 'AzureAd__ClientCredentials__0__';

/** The auth-sidecar container's AzureAd__* keys as this command's flags. Errors name the key. */
export function containerConfiguration(env: NodeJS.ProcessEnv): string[] {
  const need = (key: string, what: string): string => {
    const v = env[key]?.trim();
    if (!v) throw new UsageError(`${key} is not set: it holds ${what}.`);
    return v;
  };
  const args = [
    '--tenant',
    need('AzureAd__TenantId', "the blueprint's tenant"),
    '--blueprint',
    need('AzureAd__ClientId', "the blueprint's client id"),
  ];
  if (env.AzureAd__Instance?.trim()) args.push('--authority', env.AzureAd__Instance.trim().replace(/\/+$/, ''));
  const type = need(
    `${CREDENTIAL}SourceType`,
    'the credential type (ClientSecret, SignedAssertionFilePath or SignedAssertionFromManagedIdentity)',
  );
  switch (type) {
    case 'ClientSecret':
      need(`${CREDENTIAL}ClientSecret`, "the blueprint's client secret");
      args.push('--client-secret-env', `${CREDENTIAL}ClientSecret`);
      break;
    case 'SignedAssertionFilePath':
      args.push(
        '--federated-token-file',
        need(`${CREDENTIAL}SignedAssertionFileDiskPath`, 'the federated token file path'),
      );
      break;
    case 'SignedAssertionFromManagedIdentity':
      args.push(
        '--managed-identity',
        ...(env[`${CREDENTIAL}ManagedIdentityClientId`]?.trim()
          ? [env[`${CREDENTIAL}ManagedIdentityClientId`]!.trim()]
          : []),
      );
      break;
    default:
      throw new UsageError(
        `${CREDENTIAL}SourceType: "${type.slice(0, 40)}" is not supported here; use ClientSecret, SignedAssertionFilePath or SignedAssertionFromManagedIdentity (or the command's flags).`,
      );
  }
  return args;
}

/** DownstreamApis__NAME__Scopes__N (and __BaseUrl, __RequestAppToken) as APIs. */
export function downstreamApisFromEnv(
  env: NodeJS.ProcessEnv,
): { name: string; scopes: string[]; baseUrl?: string; requestAppToken?: boolean }[] {
  const apis = new Map<string, { scopes: [number, string][]; baseUrl?: string; requestAppToken?: boolean }>();
  for (const [key, value] of Object.entries(env)) {
    const m = /^DownstreamApis__([A-Za-z0-9_.-]{1,64})__(Scopes__(\d{1,2})|BaseUrl|RequestAppToken)$/i.exec(key);
    if (!m || value === undefined) continue;
    const api = apis.get(m[1]!) ?? { scopes: [] };
    if (m[3] !== undefined) api.scopes.push([Number(m[3]), value.trim()]);
    else if (/^BaseUrl$/i.test(m[2]!)) api.baseUrl = value.trim();
    else api.requestAppToken = value.trim().toLowerCase() === 'true';
    apis.set(m[1]!, api);
  }
  return [...apis.entries()].map(([name, a]) => {
    const scopes = a.scopes
      .sort((x, y) => x[0] - y[0])
      .map(([, s]) => s)
      .filter(Boolean);
    if (scopes.length === 0)
      throw new UsageError(`DownstreamApis__${name}__Scopes__0 is not set: the API needs a scope.`);
    return {
      name,
      scopes,
      ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
      ...(a.requestAppToken ? { requestAppToken: true } : {}),
    };
  });
}

type Api = { name: string; scopes: readonly string[]; baseUrl?: string; requestAppToken?: boolean };

/** --api-base NAME=URL: the base URL of a named API (one given with --api or the environment, or a built-in). */
function withBaseUrls(apis: Api[], bases: readonly string[], builtIns: readonly Api[]): Api[] {
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
    const name = m[1]!.toLowerCase();
    const i = out.findIndex((a) => a.name.toLowerCase() === name);
    const known = i >= 0 ? out[i] : builtIns.find((a) => a.name === name);
    if (!known) throw new UsageError(`--api-base ${m[1]}: no API of that name; add it with --api ${m[1]}=SCOPE.`);
    const next = { ...known, baseUrl: url.href };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}
