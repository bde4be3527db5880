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
import { isGuid, isLoopbackHost } from '../core/config/config';
import { decodeToken } from '../core/tokens/jwt';
import { foreignCallerReason } from '../core/safety/loopbackGuard';
import { SignatureVerifier } from '../core/tokens/signature';
import { checkUserTokenForBlueprint } from '../core/engine/userFlows';
import type { CredentialSource } from '../core/credentials/credentialSource';
import { EntraError } from '../core/errors/entraError';
import { reportOf } from '../core/errors/errorReport';
import { ConfigError, NetworkError } from '../core/errors/errors';
import { withholdSent } from '../core/safety/sentValues';
import type { SidecarApi, SidecarRequestRecord } from './requestRecord';
import { callApi, type ApiResponse } from '../core/api/apiCaller';
import { tokenDestination } from '../core/api/apiHosts';

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
  /** Added to, or replacing by name, the built-ins (default, graph, agenticblueprint). */
  readonly apis?: readonly SidecarApi[];
  /** 0 takes a free port; default 5178. Always on 127.0.0.1. */
  readonly port?: number;
  /** How a user of this face adds an API (a setting, a flag): said when a caller names one that is not configured. */
  readonly addApiHint?: string;
  /** The sidecar's clock for checking callers' tokens (tests set it off the tenant's); default Date.now. */
  readonly clock?: () => number;
  /** Each request once answered; `result` is the token it served (in memory, for the face to show; never logged). */
  readonly onRequest?: (record: SidecarRequestRecord, result?: AgentTokenResult) => void;
}

/**
 * The built-in APIs: Graph of the blueprint's cloud as `default` and `graph`, and the blueprint's exchange API; for a
 * blueprint on the sandbox (a loopback authority), the sandbox's sample APIs too (weather, legacy, partners), with
 * their base URLs, so its DownstreamApi routes reach them with no configuration.
 */
export function builtInApis(authority: string): SidecarApi[] {
  const graph = `${cloudOfAuthority(authority).graph}/.default`;
  return [
    { name: 'default', scopes: [graph] },
    { name: 'graph', scopes: [graph] },
    { name: 'agenticblueprint', scopes: [TOKEN_EXCHANGE_SCOPE], requestAppToken: true },
    ...(isLoopbackHost(new URL(authority).hostname) ? sandboxDownstreamApis(authority) : []),
  ];
}

/** RFC 7807 ProblemDetails, as the real sidecar answers errors. */
class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export class AgentSidecar {
  private readonly apis = new Map<string, SidecarApi>();
  private origin = '';
  /** Checks inbound user tokens against the tenant's keys (Entra's hosts, or the loopback authority itself). */
  private readonly verifier: SignatureVerifier;

  private constructor(
    private readonly options: SidecarOptions,
    private readonly server: Server,
  ) {
    // A configured API replaces a built-in of its name, keeping the built-in's base URL when it names none.
    for (const api of [...builtInApis(options.blueprint.authority), ...(options.apis ?? [])]) {
      const builtIn = this.apis.get(api.name.toLowerCase());
      const baseUrl = api.baseUrl ?? builtIn?.baseUrl;
      this.apis.set(api.name.toLowerCase(), { ...api, ...(baseUrl ? { baseUrl } : {}) });
    }
    const authority = new URL(options.blueprint.authority);
    const loopback = isLoopbackHost(authority.hostname);
    this.verifier = new SignatureVerifier(loopback ? { sandboxOrigin: () => authority.origin } : {});
  }

  static async start(options: SidecarOptions): Promise<AgentSidecar> {
    const server = createServer();
    const sidecar = new AgentSidecar(options, server);
    server.on('request', (req, res) => void sidecar.handle(req, res));
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
      const refused = foreignCallerReason('sidecar', this.origin, req.headers);
      if (refused) throw new Problem(403, 'Forbidden', refused);
      if (req.method === 'GET' && route === 'healthz' && rest.length === 0) {
        status = 200;
        return json(res, 200, { status: 'Healthy' });
      }
      const lower = route.toLowerCase();
      if ((lower === 'authorizationheaderunauthenticated' || lower === 'authorizationheader') && rest.length === 1) {
        if (req.method !== 'GET') throw new Problem(405, 'Method Not Allowed', 'This route takes GET.');
        // The authenticated route: the caller's user token, validated, for on-behalf-of.
        const userToken = lower === 'authorizationheader' ? await this.inboundUserToken(req) : undefined;
        const { header, result } = await this.authorizationHeader(
          decodeSegment(rest[0]!),
          url.searchParams,
          userToken,
          (asked) => (record = { ...record, ...asked }),
        );
        record = { ...record, fromCache: result.fromCache };
        served = result;
        status = 200;
        return json(res, 200, { authorizationHeader: header });
      }
      if ((lower === 'downstreamapiunauthenticated' || lower === 'downstreamapi') && rest.length === 1) {
        if (req.method !== 'POST') throw new Problem(405, 'Method Not Allowed', 'This route takes POST.');
        const userToken = lower === 'downstreamapi' ? await this.inboundUserToken(req) : undefined;
        const apiName = decodeSegment(rest[0]!);
        // The host rule first: a refused call never gets a token made for it.
        const target = this.downstreamTarget(apiName, url.searchParams);
        const body = await readBody(req);
        const { header, result } = await this.authorizationHeader(
          apiName,
          url.searchParams,
          userToken,
          (asked) => (record = { ...record, ...asked }),
        );
        record = { ...record, fromCache: result.fromCache };
        served = result;
        const answer = await this.callDownstream(target, header, body, req.headers['content-type']);
        status = 200;
        return json(res, 200, answer);
      }
      if (lower === 'validate' && rest.length === 0) {
        if (req.method !== 'GET') throw new Problem(405, 'Method Not Allowed', 'This route takes GET.');
        const token = await this.inboundUserToken(req);
        status = 200;
        return json(res, 200, { protocol: 'Bearer', token, claims: decodeToken(token).claims });
      }
      throw new Problem(404, 'Not Found', `The sidecar has no route ${url.pathname.slice(0, 100)}.`);
    } catch (e) {
      const problem = toProblem(e);
      status = problem.status;
      record = { ...record, problem: { title: problem.title, detail: problem.detail } };
      return problemJson(res, problem);
    } finally {
      try {
        this.options.onRequest?.({ ...record, status, ms: performance.now() - started, at: new Date() }, served);
      } catch {
        // A failing log (a closed stdout) must not take the server down.
      }
    }
  }

  /**
   * Calls the API's configured base URL (+ optionsOverride.RelativePath, which may not leave its origin) with the
   * token. optionsOverride.BaseUrl is never honoured: a token goes only where the user configured its API.
   */
  /**
   * Where a DownstreamApi call goes, decided before any token exists: the API's configured base URL (+
   * optionsOverride.RelativePath, which may not leave its origin; optionsOverride.BaseUrl is never honoured), and the
   * host rule of every face (core/api/apiHosts.ts): https (http only on loopback), and never a token for the exchange,
   * nor one for Graph or the sandbox to another host than theirs, whatever the configuration lists.
   */
  private downstreamTarget(apiName: string, query: URLSearchParams): URL {
    const api = this.apiNamed(apiName);
    if (!api.baseUrl)
      throw new Problem(
        400,
        'No base URL',
        `The API "${api.name}" has no base URL configured, so the sidecar cannot call it.`,
      );
    const base = new URL(api.baseUrl);
    const target = new URL(
      query.get('optionsOverride.RelativePath') ?? '',
      base.href.endsWith('/') ? base : `${base.href}/`,
    );
    if (target.origin !== base.origin)
      throw new Problem(400, 'Bad RelativePath', `optionsOverride.RelativePath may not leave ${base.origin}.`);
    const authority = new URL(this.options.blueprint.authority);
    const context = isLoopbackHost(authority.hostname) ? { sandboxOrigin: authority.origin } : {};
    for (const scope of this.scopesOf(api, query)) {
      const verdict = tokenDestination(target.href, scope, { ...context, userHosts: { [scope]: [base.host] } });
      if (!verdict.send) throw new Problem(400, 'The token may not go there', `${verdict.reason} ${verdict.fix}`);
    }
    return target;
  }

  private apiNamed(apiName: string): SidecarApi {
    const api = this.apis.get(apiName.toLowerCase());
    if (!api)
      throw new Problem(
        400,
        'Unknown API',
        `No downstream API named "${apiName.slice(0, 60)}" is configured. Known: ${[...this.apis.keys()].join(', ')}.${this.options.addApiHint ? ` ${this.options.addApiHint}` : ''}`,
      );
    return api;
  }

  /** The scopes a request asks for: optionsOverride.Scopes, else the API's configured ones. */
  private scopesOf(api: SidecarApi, query: URLSearchParams): string[] {
    const overridden = query.getAll('optionsOverride.Scopes').filter(Boolean);
    return overridden.length ? overridden : [...api.scopes];
  }

  /** Calls the API at `target` with the token; the answer as the sidecar returns it. */
  private async callDownstream(
    target: URL,
    authorization: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<{ statusCode: number; headers: Record<string, string>; content: string }> {
    // The one API caller: redirects answered, never followed (the token goes to this origin only), the answer read
    // up to 1 MiB and no further.
    let answer: ApiResponse;
    try {
      answer = await callApi({
        url: target.href,
        method: 'POST',
        headers: contentType ? [['content-type', contentType]] : [],
        body,
        token: authorization.replace(/^Bearer /, ''),
        timeoutMs: 30_000,
      });
    } catch (e) {
      if (e instanceof NetworkError)
        throw new Problem(
          e.kind === 'timeout' ? 504 : 502,
          'The API could not be reached',
          `${target.origin}: ${e.message}`,
        );
      throw e;
    }
    if (answer.truncated)
      throw new Problem(
        502,
        "The API's answer is too large",
        `${target.origin} answered with more than 1 MiB; the sidecar relays answers up to 1 MiB and stopped reading there.`,
      );
    return { statusCode: answer.status, headers: { ...answer.headers }, content: answer.body };
  }

  /**
   * The inbound `Authorization: Bearer` token: for the blueprint, in its lifetime (five minutes of clock skew, as
   * Microsoft.IdentityModel allows), issued by the sidecar's own tenant, and signed by the tenant's keys.
   */
  private async inboundUserToken(req: IncomingMessage): Promise<string> {
    const m = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(req.headers.authorization ?? '');
    if (!m)
      throw new Problem(401, 'No bearer token', "This route needs the caller's token: Authorization: Bearer <token>.");
    const token = m[1]!;
    const now = this.options.clock?.() ?? Date.now();
    try {
      checkUserTokenForBlueprint(token, this.options.blueprint.clientId, 'The bearer token', now);
    } catch (e) {
      throw new Problem(401, 'The bearer token is not valid here', reportOf(e).summary);
    }
    const decoded = decodeToken(token);
    const exp = Number(decoded.claims.exp);
    if (!Number.isFinite(exp) || exp * 1000 <= now)
      throw new Problem(401, 'The bearer token has expired', 'Get a new token for the blueprint and send it again.');
    const nbf = decoded.claims.nbf;
    if (nbf !== undefined && !(Number.isFinite(Number(nbf)) && Number(nbf) * 1000 <= now + CLOCK_SKEW_MS))
      throw new Problem(
        401,
        'The bearer token is not valid yet',
        "Its nbf is more than five minutes ahead of this machine's clock: check the clock, or wait.",
      );
    // Entra signs every tenant's tokens with the same keys: the issuer and tid must be this tenant's.
    const { authority, tenant } = this.options.blueprint;
    let tenantId: string;
    try {
      tenantId = await this.verifier.tenantIdOf(authority, tenant);
    } catch (e) {
      throw new Problem(502, 'The tenant could not be looked up', `${tenant}: ${(e as Error).message}`);
    }
    const iss = typeof decoded.claims.iss === 'string' ? decoded.claims.iss.toLowerCase() : '';
    const tid = typeof decoded.claims.tid === 'string' ? decoded.claims.tid.toLowerCase() : '';
    if (tid !== tenantId || !issuersOf(authority, tenantId).has(iss))
      throw new Problem(
        401,
        'The bearer token is from another tenant',
        `This sidecar accepts users of its own tenant (${tenantId}) only; the token was issued by another tenant.`,
      );
    const signature = await this.verifier.verify(decoded);
    if (signature.status !== 'verified')
      throw new Problem(
        401,
        'The bearer token is not signed by the tenant',
        'reason' in signature ? signature.reason : 'Its signature could not be checked.',
      );
    return token;
  }

  private async authorizationHeader(
    apiName: string,
    query: URLSearchParams,
    userToken: string | undefined,
    /** What was asked (API, agent, agent user, scope), once known and before Entra is asked: the request log's. */
    asked: (what: Pick<SidecarRequestRecord, 'api' | 'agentId' | 'agentUser' | 'scope'>) => void,
  ): Promise<{ header: string; result: AgentTokenResult }> {
    const api = this.apiNamed(apiName);
    const scopes = this.scopesOf(api, query);
    if (scopes.length === 0)
      throw new Problem(400, 'No scopes', `The API "${api.name}" has no scopes; pass optionsOverride.Scopes.`);
    const scope = scopes.join(' ');
    const agentId = query.get('AgentIdentity') ?? undefined;
    const username = query.get('AgentUsername') ?? undefined;
    const userId = query.get('AgentUserId') ?? undefined;
    if (agentId !== undefined && !isGuid(agentId))
      throw new Problem(400, 'Bad AgentIdentity', "AgentIdentity must be the agent identity's client id (a GUID).");
    if ((username || userId) && !agentId)
      throw new Problem(400, 'Bad request', 'AgentUsername and AgentUserId need AgentIdentity too.');
    if (username && userId) throw new Problem(400, 'Bad request', 'Give AgentUsername or AgentUserId, not both.');
    if (userId && !isGuid(userId))
      throw new Problem(400, 'Bad AgentUserId', 'AgentUserId must be an object id (a GUID).');
    const blueprint = this.options.blueprint;
    const tenant = query.get('optionsOverride.AcquireTokenOptions.Tenant') || blueprint.tenant;
    const forceRefresh = query.get('optionsOverride.AcquireTokenOptions.ForceRefresh')?.toLowerCase() === 'true';
    const base = {
      authority: blueprint.authority,
      tenant,
      blueprintId: blueprint.clientId,
      credential: blueprint.credential,
    };
    // The blueprint API with an agent: the blueprint's exchange token for that agent (T1, fmi_path = the agent).
    const wantsT1 =
      userToken === undefined && agentId !== undefined && !username && !userId && scope === TOKEN_EXCHANGE_SCOPE;
    if (userToken !== undefined && !agentId)
      throw new Problem(
        400,
        'AgentIdentity needed',
        "This stand-in runs on-behalf-of for an agent identity: pass AgentIdentity (the blueprint's own OBO is not served).",
      );
    if (userToken !== undefined && (username || userId))
      throw new Problem(
        400,
        'Bad request',
        'The authenticated route acts for the caller: leave out AgentUsername and AgentUserId.',
      );
    const request: TokenRequest =
      userToken !== undefined
        ? { ...base, flow: 'obo', agentId: agentId!, scope, userToken }
        : !agentId
          ? { ...base, flow: 'app', scope }
          : username || userId
            ? { ...base, flow: 'agent-user', agentId, scope, user: username ? { username } : { userId: userId! } }
            : { ...base, flow: 'autonomous', agentId, scope };
    asked({
      api: api.name,
      ...(agentId ? { agentId } : {}),
      ...(username || userId ? { agentUser: username ?? userId } : {}),
      scope,
    });
    const result = await this.options.acquire(request, { forceRefresh });
    return { header: `Bearer ${wantsT1 ? result.t1.raw : result.accessToken}`, result };
  }
}

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

/** What the caller is told: Entra's refusal as 401 with its code, meaning and fix; the network as 502/504. */
function toProblem(e: unknown): Problem {
  if (e instanceof Problem) return e;
  const report = reportOf(e);
  if (e instanceof EntraError)
    return new Problem(
      401,
      `Entra refused the request (${e.code ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`})`,
      report.summary,
    );
  if (e instanceof NetworkError)
    return new Problem(e.kind === 'timeout' ? 504 : 502, 'The tenant could not be reached', report.summary);
  if (e instanceof ConfigError) return new Problem(400, 'Bad request', report.summary);
  return new Problem(500, 'The sidecar failed', report.summary);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The last guard of what a caller is told: no value this process sent as a credential, in any spelling. */
function problemJson(res: ServerResponse, p: Problem): void {
  res.writeHead(p.status, { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    JSON.stringify({
      type: `https://httpstatuses.io/${p.status}`,
      title: withholdSent(p.title),
      status: p.status,
      detail: withholdSent(p.detail),
    }),
  );
}
