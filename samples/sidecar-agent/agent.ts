// A sample agent that gets its Microsoft Entra Agent ID token from an agent sidecar, with no secret in its
// environment, then calls an API with it. Two ways to the same token:
//   1. the Microsoft 365 Agents SDK (@microsoft/agents-hosting), whose EntraAuthSideCar connection asks the sidecar;
//   2. plain HTTP: GET {SIDECAR_URL}/AuthorizationHeaderUnauthenticated/{api}?AgentIdentity={agent}
//      &optionsOverride.RequestAppToken=true (the agent's own token, as the Agents SDK asks for it; the auth-sidecar
//      container honours both only with Sidecar__AllowOverrides__GetAuthorizationHeaderUnauthenticated=true).
//
// Its environment is the sidecar settings ("Copy Sidecar Settings" in VS Code, or the CLI's `sidecar` command):
//   SIDECAR_URL=http://127.0.0.1:5178
//   connections__serviceConnection__settings__authType=EntraAuthSideCar
//   connections__serviceConnection__settings__clientId=<blueprint client id>
//   connections__serviceConnection__settings__tenantId=<tenant>
//   connectionsMap__0__connection=serviceConnection
//   connectionsMap__0__serviceUrl=*
// Which agent identity it acts as, and the API's URL, are its arguments:
//   node --env-file=.env --import tsx agent.ts <agent identity client id> <API URL>
//
// It prints what it got (a token's aud, appid/azp and roles; never the token) and what the API answered. Exit code:
// 0 when both ways worked, 1 when one failed (the reason is on stderr), 2 when its settings or arguments are missing.
import { ConnectionManager, loadAuthConfigFromEnv, type AuthConfiguration } from '@microsoft/agents-hosting';

/**
 * The API this agent calls, by the name the sidecar knows it (one of its downstream APIs; the sidecar holds its
 * scopes). "weather" is the sandbox tenant's sample API; put your own API's name here.
 */
const API_NAME = 'weather';

class Failure extends Error {}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function settings(): { sidecarUrl: string; tenantId: string; agentId: string; apiUrl: string } {
  const [agentId = '', apiUrl = ''] = process.argv.slice(2);
  const sidecarUrl = process.env.SIDECAR_URL?.replace(/\/+$/, '') ?? '';
  const tenantId = process.env.connections__serviceConnection__settings__tenantId ?? '';
  const problems = [
    ...(sidecarUrl ? [] : ['SIDECAR_URL is not set: paste the sidecar settings into your environment (or .env).']),
    ...(tenantId
      ? []
      : ['connections__serviceConnection__settings__tenantId is not set (it is in the sidecar settings).']),
    ...(GUID.test(agentId) ? [] : ["The first argument must be the agent identity's client id (a GUID)."]),
    ...(URL.canParse(apiUrl) ? [] : ["The second argument must be the API's URL, e.g. <sandbox URL>/apis/weather."]),
  ];
  if (problems.length) {
    console.error(
      [...problems, 'Usage: node --env-file=.env --import tsx agent.ts <agent identity client id> <API URL>'].join(
        '\n',
      ),
    );
    process.exit(2);
  }
  return { sidecarUrl, tenantId, agentId, apiUrl };
}

/**
 * Way 1: the Agents SDK. loadAuthConfigFromEnv() reads the connections__* settings; the ConnectionManager makes the
 * connection whose authType is EntraAuthSideCar a SidecarAuthProvider, which asks the sidecar at SIDECAR_URL. Which
 * provider serves the connection is configuration (its authType): this code names no sidecar and holds no credential.
 */
async function tokenFromSdk(tenantId: string, agentId: string): Promise<string> {
  const config = loadAuthConfigFromEnv();
  // An agentic token is for the connection's API: its serviceName (the sidecar's API name; "default" when unset).
  // The settings name none, so this agent names its API here; connections__serviceConnection__settings__serviceName
  // in the environment wins.
  const connections = new Map<string, AuthConfiguration>(
    [...(config.connections ?? new Map<string, AuthConfiguration>())].map(([name, connection]) => [
      name,
      { ...connection, serviceName: connection.serviceName || API_NAME },
    ]),
  );
  const connection = new ConnectionManager(undefined, connections, config.connectionsMap).getDefaultConnection();
  try {
    // In an Agents SDK app the agent identity comes with each incoming activity; here it is the first argument.
    return await connection.getAgenticInstanceToken(tenantId, agentId);
  } catch (e) {
    throw new Failure(`The Agents SDK got no token from the sidecar: ${(e as Error).message}`);
  }
}

/** Way 2: plain HTTP. The sidecar answers {"authorizationHeader":"Bearer …"}, or an RFC 7807 problem. */
async function tokenFromHttp(sidecarUrl: string, agentId: string): Promise<string> {
  const url = `${sidecarUrl}/AuthorizationHeaderUnauthenticated/${encodeURIComponent(API_NAME)}?AgentIdentity=${encodeURIComponent(agentId)}&optionsOverride.RequestAppToken=true`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Failure(`The sidecar at ${sidecarUrl} could not be reached: ${reason(e)}. Is it running?`);
  }
  const body = (await res.json().catch(() => undefined)) as
    { authorizationHeader?: unknown; title?: unknown; detail?: unknown } | undefined;
  if (!res.ok)
    throw new Failure(
      `The sidecar answered ${res.status}: ${String(body?.title ?? res.statusText)}${body?.detail ? `. ${String(body.detail)}` : ''}`,
    );
  const header = typeof body?.authorizationHeader === 'string' ? body.authorizationHeader : '';
  if (!header.startsWith('Bearer '))
    throw new Failure('The sidecar answered 200 without a "Bearer …" authorizationHeader.');
  return header.slice('Bearer '.length);
}

/** A token's payload, decoded to read what it is for. Not verified: the API verifies it; this only describes it. */
function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Failure('The token is not a JWT: its claims cannot be read.');
  }
}

/** The token's audience, client and app roles: what says who it is and what it may do. Never the token itself. */
function describe(token: string, agentId: string): string {
  const claims = claimsOf(token);
  const client = String(claims.appid ?? claims.azp ?? '');
  // A sidecar that does not honour AgentIdentity answers with the blueprint's own token: say so, do not use it.
  // (Microsoft's sidecar ignores AgentIdentity unless Sidecar:AllowOverrides allows it.)
  if (client.toLowerCase() !== agentId.toLowerCase())
    throw new Failure(`The token is for client ${client || '(none)'}, not the agent identity ${agentId}.`);
  const roles = Array.isArray(claims.roles) ? claims.roles.join(' ') : '(none)';
  return `aud=${String(claims.aud)} appid=${client} roles=${roles}`;
}

/** Calls the API with the token; its status and a line of its answer. A non-2xx answer is a Failure that says why. */
async function callApi(apiUrl: string, token: string): Promise<string> {
  let res: Response;
  try {
    // redirect: 'manual': the token goes to this URL only, never on to wherever a redirect points.
    res = await fetch(apiUrl, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new Failure(`The API at ${apiUrl} could not be reached: ${reason(e)}`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: described by its status only.
  }
  if (!res.ok) {
    // An Entra-protected API says why in WWW-Authenticate (error, error_description, scope) and often its body.
    const challenge = res.headers.get('www-authenticate') ?? '';
    const param = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1];
    const why = [
      ...new Set(
        [body.message, param('error_description'), param('error')]
          .filter((part): part is string => typeof part === 'string' && part !== '')
          .map((part) => part.replace(/\.$/, '')),
      ),
    ].join('; ');
    const hint =
      res.status === 401
        ? ' The token was not accepted: is it for this API (aud)?'
        : res.status === 403
          ? ` The agent identity lacks the permission${param('scope') ? ` ${param('scope')}` : ''}: grant it the API's app role.`
          : '';
    throw new Failure(`The API answered ${res.status} ${res.statusText}${why ? `: ${why}.` : '.'}${hint}`);
  }
  // The sandbox's weather API answers { caller, forecast: [{ day, summary, celsius }] }.
  const forecast = Array.isArray(body.forecast) ? (body.forecast[0] as Record<string, unknown> | undefined) : undefined;
  const summary = forecast
    ? `${String(forecast.day)}: ${String(forecast.summary)}, ${String(forecast.celsius)} °C`
    : `${text.length} bytes`;
  return `${res.status} ${res.statusText} (caller ${String(body.caller ?? '?')}; ${summary})`;
}

function reason(e: unknown): string {
  if ((e as Error).name === 'TimeoutError') return 'no answer within 30 s';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** Gets the token one way, describes it, calls the API with it. False when something failed (said on stderr). */
async function run(label: string, getToken: () => Promise<string>, agentId: string, apiUrl: string): Promise<boolean> {
  try {
    const token = await getToken();
    console.log(`[${label}] token: ${describe(token, agentId)}`);
    console.log(`[${label}] GET ${apiUrl} -> ${await callApi(apiUrl, token)}`);
    return true;
  } catch (e) {
    console.error(`[${label}] ${e instanceof Failure ? e.message : `failed: ${(e as Error).message}`}`);
    return false;
  }
}

const { sidecarUrl, tenantId, agentId, apiUrl } = settings();
console.log(`Agent identity ${agentId} (tenant ${tenantId}), API "${API_NAME}", sidecar ${sidecarUrl}`);
const sdk = await run('sdk', () => tokenFromSdk(tenantId, agentId), agentId, apiUrl);
const http = await run('http', () => tokenFromHttp(sidecarUrl, agentId), agentId, apiUrl);
process.exitCode = sdk && http ? 0 : 1;
