// A local stand-in for Microsoft's Entra agent sidecar (the auth-sidecar container): its HTTP API on loopback,
// backed by one blueprint credential and the one acquisition service. Agent code written for the sidecar
// (SidecarAuthProvider in the Agents SDK, or plain HTTP) runs unchanged, with no secret in its environment.
// Protocol facts: ../shared/docs/agent-sidecar.md. No `vscode` import: the CLI and the extension host both run it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenAcquirer, TokenRequest } from '../core/engine/acquisition';
import type { AgentTokenResult } from '../core/engine/agentTokens';
import { cloudOfAuthority, issuersOf } from '../core/config/clouds';
import { sandboxDownstreamApis } from '../core/api/sandboxApis';
import { isLoopbackHost } from '../core/config/config';
import { decodeToken } from '../core/tokens/jwt';
import { foreignCallerReason } from '../core/safety/loopbackGuard';
import { SignatureVerifier } from '../core/tokens/signature';
import type { CredentialSource } from '../core/credentials/credentialSource';
import { EntraError } from '../core/errors/entraError';
import { reportOf } from '../core/errors/errorReport';
import { ConfigError, NetworkError } from '../core/errors/errors';
import { withholdSent } from '../core/safety/sentValues';
import type { SidecarApi, SidecarRequestRecord } from './requestRecord';
import { apiKeys, CONTAINER_ALLOW_OVERRIDES, type AllowOverrides } from './overrides';
import {
  bindQuery,
  downstreamRequest,
  planRequest,
  TOKEN_ROUTES,
  type BoundQuery,
  type Plan,
  type TokenRoute,
} from './sidecarRequest';
import { callApi, type ApiResponse } from '../core/api/apiCaller';
import { tokenDestination } from '../core/api/apiHosts';
import { parseWwwAuthenticate } from '../core/api/apiDiagnosis';

export type { SidecarApi, SidecarRequestRecord } from './requestRecord';

export const DEFAULT_SIDECAR_PORT = 5178;
const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';
/** The clock skew Microsoft.IdentityModel allows by default when it checks a token's lifetime. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface SidecarBlueprint {
  readonly authority: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly credential: CredentialSource;
}

export interface SidecarOptions {
  /**
   * The one acquisition service, as the face provides it: the CLI's engine and environment host
   * (`acquirerOf`), or the extension's TokenService (SecretStorage, the allow-list, the shared engine).
   */
  readonly acquire: TokenAcquirer;
  readonly blueprint: SidecarBlueprint;
  /**
   * The APIs a caller may name, in exact case (`DownstreamApis__NAME__*`): the container's configuration, plus the
   * face's built-ins (`builtInApis`) where the face offers them.
   */
  readonly apis?: readonly SidecarApi[];
  /** Sidecar__AllowOverrides__*: default the container's (overrides on the authenticated routes only). */
  readonly allowOverrides?: AllowOverrides;
  /**
   * Whether to mark requests the container on its own defaults would answer differently (default true: the flags and
   * VS Code add conveniences). False when the configuration is the container's own keys: the container has them too.
   */
  readonly markDifferences?: boolean;
  /** AzureAd__Audience(s) for the caller's token; default the blueprint's client id and api://client id. */
  readonly audiences?: readonly string[];
  /** AzureAd__Scopes: /Validate requires it among the token's scp (the whole value, as the container compares it). */
  readonly requiredScopes?: string;
  /** 0 takes a free port; default 5178. Always on 127.0.0.1. */
  readonly port?: number;
  /** The sidecar's clock for checking callers' tokens (tests set it off the tenant's); default Date.now. */
  readonly clock?: () => number;
  /** Each request once answered; `result` is the token it served (in memory, for the face to show; never logged). */
  readonly onRequest?: (record: SidecarRequestRecord, result?: AgentTokenResult) => void;
}

/**
 * This sidecar's conveniences, which the container does not have (it knows only the APIs its configuration names):
 * Graph of the blueprint's cloud as `default` and `graph` (user-token APIs, as a plain configuration has them: the
 * Agents SDK asks for app tokens with optionsOverride.RequestAppToken=true), the blueprint's exchange API
 * `agenticblueprint` (an app-token API: what the SDK's getAgenticApplicationToken names, with no override), and for a
 * blueprint on the sandbox (a loopback authority) the sandbox's sample APIs with their base URLs, as app-token APIs.
 * Each is marked on every request it serves and written into the exported configuration, so the container then has
 * it too.
 */
export function builtInApis(authority: string): SidecarApi[] {
  const graph = `${cloudOfAuthority(authority).graph}/.default`;
  const sandbox = isLoopbackHost(new URL(authority).hostname) ? sandboxDownstreamApis(authority) : [];
  return [
    { name: 'default', scopes: [graph] },
    { name: 'graph', scopes: [graph] },
    { name: 'agenticblueprint', scopes: [TOKEN_EXCHANGE_SCOPE], requestAppToken: true },
    ...sandbox.map((api) => ({ ...api, requestAppToken: true })),
  ].map((api) => ({ ...api, builtIn: true }));
}

/** The APIs by name: a later one replaces an earlier one of the same name (in exact case), keeping its base URL. */
export function mergeApis(...lists: (readonly SidecarApi[])[]): SidecarApi[] {
  const byName = new Map<string, SidecarApi>();
  for (const api of lists.flat()) {
    const before = byName.get(api.name);
    const baseUrl = api.baseUrl ?? before?.baseUrl;
    const { builtIn: _builtIn, ...configured } = api;
    byName.set(api.name, { ...(api.builtIn ? api : configured), ...(baseUrl ? { baseUrl } : {}) });
  }
  return [...byName.values()];
}

/** A refusal, as ASP.NET writes it: a ProblemDetails body, or (`bare`) only the status, as routing and auth answer. */
class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** For the request log and the view only (never the caller): why, and what to change. */
    readonly note?: string,
    readonly bare?: { readonly headers?: Readonly<Record<string, string>>; readonly text?: string },
  ) {
    super(detail);
  }
}

/** ASP.NET's ProblemDetails defaults for a status (Microsoft.AspNetCore.Http ProblemDetailsDefaults). */
const PROBLEM_DEFAULTS: Readonly<Record<number, readonly [string, string]>> = {
  400: ['https://tools.ietf.org/html/rfc9110#section-15.5.1', 'Bad Request'],
  401: ['https://tools.ietf.org/html/rfc9110#section-15.5.2', 'Unauthorized'],
  403: ['https://tools.ietf.org/html/rfc9110#section-15.5.4', 'Forbidden'],
  413: ['https://tools.ietf.org/html/rfc9110#section-15.5.14', 'Content Too Large'],
  500: ['https://tools.ietf.org/html/rfc9110#section-15.6.1', 'An error occurred while processing your request.'],
};

export class AgentSidecar {
  private readonly apis = new Map<string, SidecarApi>();
  private readonly allowOverrides: AllowOverrides;
  private origin = '';
  /** Checks inbound user tokens against the tenant's keys (Entra's hosts, or the loopback authority itself). */
  private readonly verifier: SignatureVerifier;

  private constructor(
    private readonly options: SidecarOptions,
    private readonly server: Server,
  ) {
    for (const api of mergeApis(options.apis ?? [])) this.apis.set(api.name, api);
    this.allowOverrides = options.allowOverrides ?? CONTAINER_ALLOW_OVERRIDES;
    const authority = new URL(options.blueprint.authority);
    const loopback = isLoopbackHost(authority.hostname);
    this.verifier = new SignatureVerifier(loopback ? { sandboxOrigin: () => authority.origin } : {});
  }

  static async start(options: SidecarOptions): Promise<AgentSidecar> {
    const server = createServer();
    const sidecar = new AgentSidecar(options, server);
    server.on('request', (req, res) =>
      // A failure past the answer's own guards (a header that cannot be written) ends that connection, never the
      // process: the sidecar keeps serving.
      sidecar.handle(req, res).catch(() => res.destroy()),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_SIDECAR_PORT, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    sidecar.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return sidecar;
  }

  /** http://127.0.0.1:PORT: what SIDECAR_URL is set to. */
  get url(): string {
    return this.origin;
  }

  get apiList(): readonly SidecarApi[] {
    return [...this.apis.values()];
  }

  /** The Sidecar__AllowOverrides__* in force. */
  get overrides(): AllowOverrides {
    return this.allowOverrides;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', this.origin);
    } catch {
      url = new URL('/', this.origin);
    }
    const [route = '', ...rest] = url.pathname.split('/').filter(Boolean);
    let record: Omit<SidecarRequestRecord, 'status' | 'ms' | 'at'> = { route: `/${route}`, api: '' };
    let status = 500;
    let served: AgentTokenResult | undefined;
    try {
      const lower = route.toLowerCase();
      // The health route answers every method and every caller, as the container's does (Program.cs:83;
      // LocalCallerRestriction.cs:34-35): it tells nothing but that the sidecar is up.
      if (lower === 'healthz' && rest.length === 0) {
        status = 200;
        // HealthCheckResponseWriters' default: the status as plain text.
        return send(res, 200, 'text/plain', 'Healthy');
      }
      const refused = foreignCallerReason('sidecar', this.origin, req.headers);
      if (refused) throw new Problem(403, refused);
      const tokenRoute =
        rest.length === 1 && Object.hasOwn(TOKEN_ROUTES, lower)
          ? TOKEN_ROUTES[lower as keyof typeof TOKEN_ROUTES]
          : undefined;
      if (tokenRoute) {
        const method = tokenRoute.downstream ? 'POST' : 'GET';
        if (req.method !== method) throw methodNotAllowed(method);
        // The authenticated routes take the caller's token first (RequireAuthorization runs before the route).
        const userToken = tokenRoute.authenticated ? await this.inboundUserToken(req) : undefined;
        const apiName = decodeSegment(rest[0]!);
        record = { ...record, api: apiName };
        const query = bindQuery(url.searchParams);
        const plan = planRequest({
          route: tokenRoute,
          apiName,
          api: this.apis.get(apiName),
          query,
          allowOverrides: this.allowOverrides,
          hasUserToken: userToken !== undefined,
        });
        const container =
          this.options.markDifferences === false ? undefined : this.containerNote(tokenRoute, apiName, query);
        record = { ...record, ...(container ? { container } : {}) };
        if ('problem' in plan) throw new Problem(plan.problem.status, plan.problem.detail, plan.note);
        record = {
          ...record,
          ...(plan.agentId ? { agentId: plan.agentId } : {}),
          ...(plan.user ? { agentUser: 'username' in plan.user ? plan.user.username : plan.user.userId } : {}),
          scope: plan.scope,
          ...(plan.ignored.length ? { ignored: plan.ignored } : {}),
        };
        // The host rule first: a refused call never gets a token made for it.
        const target = tokenRoute.downstream ? this.downstreamTarget(plan) : undefined;
        const body = tokenRoute.downstream ? await readBody(req) : undefined;
        const result = await this.acquire(plan, userToken);
        record = { ...record, fromCache: result.fromCache };
        served = result;
        // With AgentIdentity, the token is the agent's own, whatever the scope: agenticblueprint gives the agent's
        // token for the exchange (WithAgentIdentity makes the agent the client of the app path:
        // src/Microsoft.Identity.Web.AgentIdentities/AgentIdentitiesExtension.cs:75-98), not T1.
        const token = result.accessToken;
        if (!target) {
          status = 200;
          return json(res, 200, { authorizationHeader: `Bearer ${token}` });
        }
        const contentType = req.headers['content-type'];
        // A body goes only with a content type (DownstreamApiEndpoint.cs:134-142); with GET or HEAD, the container
        // sends it, and this sidecar's HTTP client cannot: a difference, marked on the request.
        const bodyless = target.method === 'GET' || target.method === 'HEAD';
        if (bodyless && contentType && body!.length)
          record = {
            ...record,
            container: `${record.container ? `${record.container} ` : ''}The container sends the request's body with ${target.method}; this sidecar sends ${target.method} without it (set optionsOverride.HttpMethod or DownstreamApis__${plan.api.name}__HttpMethod for a method with a body).`,
          };
        const sent = bodyless ? undefined : body;
        const first = await this.callDownstream(target, token, sent, contentType);
        let answer = first.answer;
        const claims = first.claims;
        if (claims) {
          // A claims challenge: a new token with the claims, and the call once more, its answer whatever it is
          // (src/Microsoft.Identity.Web.DownstreamApi/DownstreamApi.cs:588-602).
          served = await this.acquire({ ...plan, claims }, userToken);
          ({ answer } = await this.callDownstream(target, served.accessToken, sent, contentType));
        }
        status = 200;
        return json(res, 200, answer);
      }
      if (lower === 'validate' && rest.length === 0) {
        if (req.method !== 'GET') throw methodNotAllowed('GET');
        const token = await this.inboundUserToken(req);
        const claims = decodeToken(token).claims;
        this.requireScopes(claims);
        status = 200;
        return json(res, 200, { protocol: 'Bearer', token, claims });
      }
      // Routing's answer to a path it does not know: 404, no body.
      throw new Problem(404, `The sidecar has no route ${url.pathname.slice(0, 100)}.`, undefined, {});
    } catch (e) {
      const problem = toProblem(e);
      status = problem.status;
      record = {
        ...record,
        problem: {
          title: problem.bare
            ? `HTTP ${problem.status}`
            : (PROBLEM_DEFAULTS[problem.status]?.[1] ?? `HTTP ${problem.status}`),
          detail: problem.note ? `${problem.detail} ${problem.note}` : problem.detail,
        },
      };
      return problemResponse(res, problem);
    } finally {
      try {
        this.options.onRequest?.({ ...record, status, ms: performance.now() - started, at: new Date() }, served);
      } catch {
        // A failing log (a closed stdout) must not take the server down.
      }
    }
  }

  /**
   * How the container on its own defaults would answer this request differently, and the key that makes it agree:
   * an API it would not have (a built-in of this sidecar), or overrides a route honours here but not there.
   */
  private containerNote(route: TokenRoute, apiName: string, query: BoundQuery): string | undefined {
    const notes: string[] = [];
    const api = this.apis.get(apiName);
    if (api?.builtIn)
      notes.push(
        `The container has no API "${apiName}" unless its configuration names it: set ${apiKeys(api).join(' and ')} (Export Sidecar for Production writes them).`,
      );
    const asked =
      query.hasAny ||
      query.agentIdentity !== undefined ||
      query.agentUsername !== undefined ||
      query.agentUserId !== undefined;
    const here = this.allowOverrides[route.gate];
    if (asked && here !== CONTAINER_ALLOW_OVERRIDES[route.gate])
      notes.push(
        here
          ? `The container on its defaults ignores AgentIdentity, AgentUsername, AgentUserId and optionsOverride.* on this route and answers as the blueprint: set Sidecar__AllowOverrides__${route.gate}=true.`
          : `The container on its defaults honours overrides on this route; this sidecar has Sidecar__AllowOverrides__${route.gate}=false.`,
      );
    return notes.length ? notes.join(' ') : undefined;
  }

  /**
   * Where a DownstreamApi call goes, decided before any token exists: the API's BaseUrl and RelativePath joined as
   * the container joins them (optionsOverride.BaseUrl is never honoured), and the host rule of every face
   * (core/api/apiHosts.ts): https (http only on loopback), and never a token for the exchange, nor one for Graph or
   * the sandbox to another host than theirs, whatever the configuration lists.
   */
  private downstreamTarget(plan: Plan): {
    readonly url: URL;
    readonly method: string;
    readonly headers: readonly (readonly [string, string])[];
  } {
    const api = plan.api;
    if (!api.baseUrl)
      // DownstreamApi with no BaseUrl: the container's HttpClient refuses a relative URL, an unexpected error. [I]
      throw new Problem(
        500,
        'An unexpected error occurred.',
        `The API "${api.name}" has no BaseUrl: set DownstreamApis__${api.name}__BaseUrl.`,
      );
    const planned = downstreamRequest(api);
    const base = new URL(api.baseUrl);
    const target = new URL(planned.url);
    if (target.origin !== base.origin)
      throw new Problem(
        400,
        `RelativePath may not leave ${base.origin}.`,
        "A token goes only to its API's configured origin.",
      );
    const authority = new URL(this.options.blueprint.authority);
    const context = isLoopbackHost(authority.hostname) ? { sandboxOrigin: authority.origin } : {};
    const verdict = tokenDestination(target.href, plan.scope.split(' ')[0]!, {
      ...context,
      userHosts: { [plan.scope.split(' ')[0]!]: [base.host] },
    });
    if (!verdict.send) throw new Problem(400, `${verdict.reason} ${verdict.fix}`);
    return { url: target, method: planned.method, headers: planned.headers };
  }

  private acquire(plan: Plan, userToken: string | undefined): Promise<AgentTokenResult> {
    const blueprint = this.options.blueprint;
    const base = {
      authority: blueprint.authority,
      tenant: plan.tenant ?? blueprint.tenant,
      blueprintId: blueprint.clientId,
      credential: blueprint.credential,
      scope: plan.scope,
    };
    const request: TokenRequest =
      plan.flow === 'obo'
        ? { ...base, flow: 'obo', agentId: plan.agentId!, userToken: userToken! }
        : plan.flow === 'agent-user'
          ? { ...base, flow: 'agent-user', agentId: plan.agentId!, user: plan.user! }
          : plan.flow === 'autonomous'
            ? { ...base, flow: 'autonomous', agentId: plan.agentId! }
            : { ...base, flow: 'app' };
    return this.options.acquire(request, {
      scopesAsGiven: true,
      forceRefresh: plan.forceRefresh,
      ...(plan.claims ? { claims: plan.claims } : {}),
      ...(plan.correlationId ? { correlationId: plan.correlationId } : {}),
    });
  }

  /**
   * Calls the API with the token; the answer as the container returns it (DownstreamApiEndpoint.cs:176-188): the
   * status, the response's content headers as lists, and the content only when its length is known and not zero
   * (an empty or chunked answer has `content: null`).
   */
  private async callDownstream(
    target: { readonly url: URL; readonly method: string; readonly headers: readonly (readonly [string, string])[] },
    token: string,
    body: Buffer | undefined,
    contentType: string | undefined,
  ): Promise<{
    answer: { statusCode: number; headers: Record<string, string[]>; content: string | null };
    /** A 401's claims challenge (`error="insufficient_claims"`, `claims` decoded), as MSAL reads one. */
    claims?: string;
  }> {
    // The one API caller: redirects answered, never followed (the token goes to this origin only), the answer read
    // up to 1 MiB and no further.
    let answer: ApiResponse;
    try {
      answer = await callApi({
        url: target.url.href,
        method: target.method,
        // No compression asked for, as the container's HttpClient asks none (fetch would ask gzip and undo it).
        headers: [
          ...target.headers,
          ['accept-encoding', 'identity'],
          ...(contentType && body ? [['content-type', contentType] as const] : []),
        ],
        ...(contentType && body ? { body } : {}),
        token,
        timeoutMs: 30_000,
      });
    } catch (e) {
      if (e instanceof NetworkError)
        throw new Problem(500, 'An unexpected error occurred.', `${target.url.origin}: ${e.message}`);
      throw e;
    }
    if (answer.truncated)
      throw new Problem(
        500,
        'An unexpected error occurred.',
        `${target.url.origin} answered with more than 1 MiB; this sidecar relays answers up to 1 MiB and stopped reading there (the container reads any size).`,
      );
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      const canonical = CONTENT_HEADERS.get(name.toLowerCase());
      if (canonical) headers[canonical] = [value];
    }
    const length = Number(answer.headers['content-length']);
    const claims = answer.status === 401 ? claimsChallenge(answer.headers['www-authenticate']) : undefined;
    return {
      answer: { statusCode: answer.status, headers, content: length > 0 ? answer.body : null },
      ...(claims ? { claims } : {}),
    };
  }

  /**
   * The inbound `Authorization: Bearer` token, as JwtBearer checks it: for the blueprint (AzureAd__Audience(s), by
   * default its client id and api://client id), in its lifetime (five minutes of clock skew), issued by the
   * sidecar's own tenant, and signed by the tenant's keys. A missing token is 401 with `WWW-Authenticate: Bearer`, a
   * bad one with `error="invalid_token"`; neither has a body.
   */
  private async inboundUserToken(req: IncomingMessage): Promise<string> {
    const m = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(req.headers.authorization ?? '');
    if (!m)
      throw new Problem(401, 'No bearer token: this route needs Authorization: Bearer <token>.', undefined, {
        headers: { 'www-authenticate': 'Bearer' },
      });
    const token = m[1]!;
    // The description is this sidecar's words about outside text (an audience, a reason): printable ASCII only, so
    // the header can always be written and carries nothing a caller planted.
    const invalid = (why: string) =>
      new Problem(401, why, undefined, {
        headers: {
          'www-authenticate': `Bearer error="invalid_token", error_description="${why.replace(/[^ -~]|["\\]/g, '?')}"`,
        },
      });
    const now = this.options.clock?.() ?? Date.now();
    let decoded: ReturnType<typeof decodeToken>;
    try {
      decoded = decodeToken(token);
    } catch {
      throw invalid('The token is not a JWT.');
    }
    const { clientId } = this.options.blueprint;
    const audiences = this.options.audiences?.length ? this.options.audiences : [clientId, `api://${clientId}`];
    const aud = decoded.claims.aud;
    if (!audiences.some((a) => (Array.isArray(aud) ? aud.includes(a) : aud === a)))
      throw invalid(`The audience '${String(aud).slice(0, 80)}' is invalid.`);
    const exp = Number(decoded.claims.exp);
    if (!Number.isFinite(exp) || exp * 1000 + CLOCK_SKEW_MS <= now) throw invalid('The token is expired.');
    const nbf = decoded.claims.nbf;
    if (nbf !== undefined && !(Number.isFinite(Number(nbf)) && Number(nbf) * 1000 <= now + CLOCK_SKEW_MS))
      throw invalid('The token is not valid yet.');
    // Entra signs every tenant's tokens with the same keys: the issuer and tid must be this tenant's.
    const { authority, tenant } = this.options.blueprint;
    let tenantId: string;
    try {
      tenantId = await this.verifier.tenantIdOf(authority, tenant);
    } catch (e) {
      throw new Problem(
        500,
        'An unexpected error occurred.',
        `The tenant ${tenant} could not be looked up: ${(e as Error).message}`,
      );
    }
    const iss = typeof decoded.claims.iss === 'string' ? decoded.claims.iss.toLowerCase() : '';
    const tid = typeof decoded.claims.tid === 'string' ? decoded.claims.tid.toLowerCase() : '';
    if (tid !== tenantId || !issuersOf(authority, tenantId).has(iss))
      throw invalid(`The issuer is invalid: this sidecar accepts users of its own tenant (${tenantId}) only.`);
    const signature = await this.verifier.verify(decoded);
    if (signature.status !== 'verified')
      throw invalid(
        `The signature is invalid: ${'reason' in signature ? signature.reason : 'it could not be checked.'}`,
      );
    return token;
  }

  /** AzureAd__Scopes on /Validate (ValidateRequestEndpoints.cs:32-36; VerifyUserHasAnyAcceptedScope): 403, the message as text. */
  private requireScopes(claims: Record<string, unknown>): void {
    const required = this.options.requiredScopes?.trim();
    if (!required) return;
    // scp, or the mapped scope claim's long name (claim mapping is off, so a plain `scope` claim is not read).
    const raw = claims.scp ?? claims['http://schemas.microsoft.com/identity/claims/scope'];
    const scp = typeof raw === 'string' ? raw : undefined;
    if (scp !== undefined && scp.split(' ').includes(required)) return;
    const message = `IDW10203: The 'scope' or 'scp' claim does not contain scopes '${required}' or was not found. `;
    throw new Problem(403, message, undefined, { text: message });
  }
}

/** HttpContentHeaders' names, as the container's result lists them (the response's content headers only). */
const CONTENT_HEADERS = new Map(
  [
    'Allow',
    'Content-Disposition',
    'Content-Encoding',
    'Content-Language',
    'Content-Length',
    'Content-Location',
    'Content-MD5',
    'Content-Range',
    'Content-Type',
    'Expires',
    'Last-Modified',
  ].map((h) => [h.toLowerCase(), h]),
);

/**
 * The claims a 401's `WWW-Authenticate: Bearer error="insufficient_claims", claims="…"` asks for, base64-decoded
 * (MSAL.NET's WwwAuthenticateParameters.GetClaimChallengeFromResponseHeaders) [I: its rule read from its docs].
 */
function claimsChallenge(header: string | undefined): string | undefined {
  const bearer = parseWwwAuthenticate(header ?? '').find((c) => c.scheme.toLowerCase() === 'bearer');
  const encoded =
    bearer?.params.error?.toLowerCase() === 'insufficient_claims' ? bearer.params.claims?.trim() : undefined;
  if (!encoded) return undefined;
  // Base64 of a JSON object, or the JSON itself.
  const text = encoded.startsWith('{')
    ? encoded
    : Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  try {
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}

const methodNotAllowed = (allow: string) =>
  new Problem(405, `This route takes ${allow}.`, undefined, { headers: { allow } });

const MAX_FORWARDED_BODY = 1 << 20;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORWARDED_BODY) throw new Problem(413, 'Body too large', 'The sidecar forwards bodies up to 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * What the caller is told, as the routes answer (Endpoints/*Endpoint.cs:144-174): Entra's refusal as 401 with its
 * description (MSAL's MsalServiceException message), anything unexpected as 500 with the container's words; the
 * explanation goes to the request log only.
 */
function toProblem(e: unknown): Problem {
  if (e instanceof Problem) return e;
  const report = reportOf(e);
  if (e instanceof EntraError)
    return new Problem(401, e.body.error_description ?? `HTTP ${e.httpStatus}`, report.summary);
  // [I] A request this sidecar checks before sending (an agent id that is not a GUID, a bad tenant) would reach Entra
  // from the container, and Entra would refuse it: 401 either way.
  if (e instanceof ConfigError) return new Problem(401, report.summary);
  return new Problem(500, 'An unexpected error occurred.', report.summary);
}

/** No caching of a success (CacheControl.cs:13-36). */
const NO_CACHE = { 'cache-control': 'no-cache, no-store, must-revalidate', expires: '0', pragma: 'no-cache' };

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, ...(status >= 200 && status < 300 ? NO_CACHE : {}) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** The last guard of what a caller is told: no value this process sent as a credential, in any spelling. */
function problemResponse(res: ServerResponse, p: Problem): void {
  if (p.bare) {
    res.writeHead(p.status, { ...p.bare.headers });
    res.end(p.bare.text === undefined ? undefined : withholdSent(p.bare.text));
    return;
  }
  const [type, title] = PROBLEM_DEFAULTS[p.status] ?? ['about:blank', `HTTP ${p.status}`];
  res.writeHead(p.status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type, title, status: p.status, detail: withholdSent(p.detail) }));
}
