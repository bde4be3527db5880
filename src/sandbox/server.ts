import { answerGraph, GraphState } from './graph';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  buildDirectory,
  defaultDirectoryFile,
  findTenant,
  type Directory,
  type DirectoryFile,
  type Tenant,
} from './directory';
import { ExternalIssuer, managedIdentityToken } from './federation';
import { createSigningKey, errorBody, issuerV1, issuerV2, type SigningKey } from './issuer';
import { authorizePage, authorizeSubmit, newAuthorizeState } from './authorize';
import { handleTokenRequest, type RefreshGrant } from './tokenEndpoint';
import { routeOf } from './routes';
import { answerApiCall, protectedApis, protectedResourceMetadata } from './protectedApi';
import { foreignCallerReason } from '../core/safety/loopbackGuard';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. The sandbox is for loopback only. */
  readonly host?: string;
  readonly directory?: DirectoryFile;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /**
   * Simulated network latency: every request waits this long before it is handled, as a round trip to a distant
   * tenant would (TCP and TLS handshakes are not delayed). Default 0.
   */
  readonly latencyMs?: number;
}

/** What `entra-agent-tokens sandbox --json` prints first: everything a client needs to use the sandbox. */
export interface SandboxInfo {
  authority: string;
  tenantId: string;
  blueprints: {
    clientId: string;
    displayName: string;
    clientSecret?: string;
    /** Its one agent identity shares its client id; tokens are one request (agent-id-2026 §1). */
    singleInstance?: boolean;
    agents: { clientId: string; displayName: string }[];
  }[];
}

/** One token request as the sandbox received it, for tests that check the exact wire format. */
export interface RecordedRequest {
  readonly tenant: string;
  readonly params: Readonly<Record<string, string>>;
  readonly connectionId: number;
  readonly status: number;
}

/**
 * The sandbox's fault mode: a fault the next token request meets instead of (or before) normal handling.
 * `injectFaults(a, b, …)` queues them; each token request takes the next one.
 * - status: answer with this status, body (any text: an HTML page, truncated or non-JSON text, an oversized body),
 *   Content-Type (default text/plain) and Retry-After;
 * - delay: wait this long, then answer normally (beyond the client's timeout: a hang);
 * - reset: destroy the connection before answering;
 * - resetMidBody: send 200 and half of a token response, then destroy the connection;
 * - drip: send 200 and then one byte every intervalMs, never finishing the body;
 * - echo: answer with this status and an error body whose description repeats the request body, as a debugging
 *   proxy or a misconfigured gateway does; `encoding` says how it is spelled there: as received (default), decoded
 *   and then every character `\u`-escaped in the JSON (valid JSON, as frameworks that escape non-ASCII or HTML
 *   characters emit), the raw body as base64 (as a debugging proxy logs it: still form-encoded, so a secret's `~` is
 *   `%7E` inside), the same wrapped at 76 characters with CRLF (MIME), or as HTML character references;
 * - pass: none, handle this request normally (to aim the next fault at a later leg);
 * - flood: send 200 and a JSON body of this many bytes, as fast as the client reads it, with no Content-Length;
 *   `floodBytesSent` then says how much got out before the client closed (to measure a client's body cap).
 */
export type Fault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly contentType?: string;
      readonly retryAfter?: string;
    }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'resetMidBody' }
  | { readonly kind: 'drip'; readonly intervalMs: number }
  | {
      readonly kind: 'echo';
      readonly status: number;
      readonly encoding?: 'as-received' | 'json-unicode-escapes' | 'base64' | 'base64-mime' | 'html-references';
    }
  | { readonly kind: 'pass' }
  | { readonly kind: 'flood'; readonly bytes: number };

const MAX_BODY_BYTES = 1 << 20;
const MAX_RECORDED = 1000;

/** The request is for a tenant's /authorize (a malformed URL is not). */
function isAuthorizeRoute(method: string | undefined, url: string | undefined, base: string): boolean {
  try {
    return routeOf(method, new URL(url ?? '/', base).pathname).kind === 'authorize';
  } catch {
    return false;
  }
}

/** The sandbox tenant: a local, faithful stand-in for Entra's token, discovery and keys endpoints. */
export class SandboxTenant {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted (for HTTPS: TLS handshakes completed). */
  connectionCount = 0;
  /** Every HTTP request served (discovery and keys included), for benchmarks that count round trips. */
  requestCount = 0;
  /** Bytes of the last flood fault's body the socket accepted before the client closed it (or all of them). */
  floodBytesSent = 0;
  private readonly faults: Fault[] = [];
  /**
   * The Graph subset's memory (graph.ts): set `graph.replicationLagMs` to make new objects unreadable for that long
   * after their creation, and push to `graph.faults` to answer the next Graph calls with 429/503.
   */
  readonly graph = new GraphState();
  private readonly sockets = new Set<Socket>();
  private readonly socketIds = new WeakMap<Socket, number>();

  private readonly server: Server;
  private origin = '';
  private externalKey: SigningKey | undefined;
  /** The X-IDENTITY-HEADER value the managed-identity endpoint expects (IDENTITY_HEADER for @azure/identity). */
  readonly identityHeader = randomUUID();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Local agents' sign-ins: pages in progress and codes (authorize.ts); `codeLifetimeMs` may be shortened by tests. */
  readonly authorization = newAuthorizeState();

  private constructor(
    readonly directory: Directory,
    private readonly key: SigningKey,
    private readonly directoryFile: DirectoryFile,
    tls: SandboxOptions['tls'],
    private readonly latencyMs = 0,
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error' }));
      });
    };
    this.server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    this.server.keepAliveTimeout = 60_000;
    this.trackConnections(tls !== undefined);
  }

  static async start(options: SandboxOptions = {}): Promise<SandboxTenant> {
    const file = options.directory ?? defaultDirectoryFile();
    const sandbox = new SandboxTenant(
      buildDirectory(file),
      await createSigningKey(),
      file,
      options.tls,
      options.latencyMs,
    );
    sandbox.externalKey = await createSigningKey();
    await sandbox.listen(options.port ?? 0, options.host ?? '127.0.0.1', options.tls !== undefined);
    return sandbox;
  }

  /** The origin clients use as authority, e.g. http://127.0.0.1:PORT. */
  get authority(): string {
    return this.origin;
  }

  private async listen(port: number, host: string, tls: boolean): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.origin = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  /** The external OIDC issuer the sandbox runs, for federated-credential tests (GitHub Actions, AKS stand-in). */
  get externalIssuer(): ExternalIssuer {
    return new ExternalIssuer(`${this.origin}/external`, this.externalKey!);
  }

  /** IDENTITY_ENDPOINT for @azure/identity's ManagedIdentityCredential (App Service protocol). */
  get managedIdentityEndpoint(): string {
    return `${this.origin}/msi/token`;
  }

  get tenantId(): string {
    return this.directory.tenants[0]!.id;
  }

  get info(): SandboxInfo {
    const tenant = this.directoryFile.tenants[0]!;
    return {
      authority: this.authority,
      tenantId: this.tenantId,
      blueprints: tenant.blueprints.map((b) => ({
        clientId: b.clientId.toLowerCase(),
        displayName: b.displayName ?? 'Blueprint',
        ...(b.clientSecrets?.[0] ? { clientSecret: b.clientSecrets[0] } : {}),
        ...(b.singleInstance ? { singleInstance: true } : {}),
        agents: b.agents.map((a) => ({
          clientId: (a.clientId ?? b.clientId).toLowerCase(),
          displayName: a.displayName ?? 'Agent',
        })),
      })),
    };
  }

  /** The next token requests meet these faults, in order. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Drops the faults still queued (a simulation disarmed before it fired). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Faults queued and not yet met by a request. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  /** Forgets what was recorded and any fault still queued: the next test starts from a clean sandbox. */
  clearRecords(): void {
    this.requests.length = 0;
    this.connectionCount = 0;
    this.requestCount = 0;
    this.faults.length = 0;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private trackConnections(tls: boolean): void {
    let next = 0;
    this.server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connectionCount++;
      this.socketIds.set(socket, ++next);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requestCount++;
    // A sign-in page is opened by a navigation from another site (the app's browser tab), as Entra's is; its form is
    // posted from the page itself, so the rest of the guard (the Host, a foreign Origin) still holds for it.
    const navigation = req.method === 'GET' && headerValue(req, 'sec-fetch-mode') === 'navigate';
    const signInPage = navigation && isAuthorizeRoute(req.method, req.url, this.authority);
    const refused = foreignCallerReason(
      'sandbox',
      this.origin,
      signInPage ? { ...req.headers, 'sec-fetch-site': undefined } : req.headers,
    );
    if (refused) {
      req.resume();
      return this.json(res, 403, { error: 'invalid_request', error_description: refused }, { connection: 'close' });
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const url = new URL(req.url ?? '/', this.authority);
    const route = routeOf(req.method, url.pathname);
    switch (route.kind) {
      case 'external-openid-configuration':
        return this.json(res, 200, this.externalIssuer.metadata());
      case 'external-keys':
        return this.json(res, 200, { keys: [this.externalIssuer.key.jwk] });
      case 'managed-identity':
        return this.managedIdentity(req, res, url);
      case 'api':
      case 'api-metadata':
        return this.protectedApi(req, res, route);
      case 'graph': {
        const body =
          req.method === 'GET' || req.method === 'DELETE' ? (await drain(req), undefined) : await readBody(req);
        const answer = await answerGraph(
          this.origin,
          this.directory,
          this.key,
          {
            method: req.method ?? 'GET',
            path: route.path,
            query: url.searchParams,
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            ...(headerValue(req, 'client-request-id')
              ? { clientRequestId: headerValue(req, 'client-request-id') }
              : {}),
            ...(body !== undefined ? { body } : {}),
            ...(headerValue(req, 'odata-version') ? { odataVersion: headerValue(req, 'odata-version') } : {}),
          },
          this.graph,
        );
        if (answer.status === 204) {
          res.writeHead(204, answer.headers).end();
          return;
        }
        return this.json(res, answer.status, answer.body, answer.headers);
      }
    }
    if (route.tenant === undefined) {
      if (route.kind === 'method-not-allowed') return this.json(res, 405, { error: 'invalid_request' });
      return this.json(res, 404, { error: 'not_found' });
    }
    const tenant = findTenant(this.directory, route.tenant);
    const correlationId = headerValue(req, 'client-request-id');
    if (!tenant) {
      await drain(req);
      return this.json(
        res,
        400,
        errorBody(
          this.authority,
          'invalid_tenant',
          90002,
          `Tenant '${route.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          correlationId,
        ),
      );
    }
    switch (route.kind) {
      case 'token':
        return this.token(req, res, tenant, route.tenant, correlationId);
      case 'authorize': {
        const answer = route.submit
          ? authorizeSubmit(tenant, this.authorization, new URLSearchParams(await readBody(req)))
          : (await drain(req), authorizePage(tenant, this.authorization, url.searchParams));
        if (answer.kind === 'redirect') {
          res.writeHead(302, { location: answer.location, 'cache-control': 'no-store' }).end();
          return;
        }
        res
          .writeHead(answer.status, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            'x-frame-options': 'DENY',
            // No script at all; the form posts here, and its answer redirects to the client's registered URIs.
            'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${answer.formTargets ?? ''}; frame-ancestors 'none'; base-uri 'none'`,
          })
          .end(answer.html);
        return;
      }
      case 'openid-configuration':
        return this.json(res, 200, this.openIdConfiguration(tenant, route.version));
      case 'keys':
        return this.json(res, 200, { keys: [this.key.jwk] });
      case 'method-not-allowed':
        return route.allowed === 'POST'
          ? this.json(res, 405, {
              error: 'invalid_request',
              error_description: 'The token endpoint accepts POST only.',
            })
          : this.json(res, 405, { error: 'invalid_request' });
      case 'not-found':
        return this.json(res, 404, { error: 'not_found' });
    }
  }

  /** The sample protected APIs and their RFC 9728 metadata (protectedApi.ts). */
  private async protectedApi(
    req: IncomingMessage,
    res: ServerResponse,
    route: { kind: 'api'; api: string; path: string } | { kind: 'api-metadata'; api: string },
  ): Promise<void> {
    await drain(req);
    const api = protectedApis(this.directory).find((a) => a.name === route.api);
    if (!api)
      return this.json(res, 404, { error: 'not_found', message: `No sample API named ${route.api.slice(0, 40)}.` });
    if (route.kind === 'api-metadata') return this.json(res, 200, protectedResourceMetadata(this.origin, api));
    const answer = await answerApiCall(this.origin, api, this.key, req.headers.authorization, route.path);
    return this.json(res, answer.status, answer.body, answer.headers);
  }

  private async managedIdentity(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (headerValue(req, 'x-identity-header') !== this.identityHeader)
      return this.json(res, 401, { statusCode: 401, message: 'The X-IDENTITY-HEADER is missing or wrong.' });
    const resource = url.searchParams.get('resource');
    if (!resource) return this.json(res, 400, { statusCode: 400, message: 'resource is required.' });
    const tenant = this.directory.tenants[0]!;
    const clientId = url.searchParams.get('client_id') ?? undefined;
    const token = await managedIdentityToken(
      { origin: this.origin, tenant, key: this.key, external: this.externalIssuer },
      resource,
      clientId,
    );
    if (!token)
      return this.json(res, 400, {
        statusCode: 400,
        message: `No managed identity ${clientId ?? '(system-assigned)'} is assigned to this resource.`,
      });
    return this.json(res, 200, token);
  }

  private async token(
    req: IncomingMessage,
    res: ServerResponse,
    tenant: Tenant,
    tenantSegment: string,
    correlationId: string | undefined,
  ): Promise<void> {
    const body = await readBody(req);
    const fault = this.faults.shift();
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (res.destroyed) return;
    if (fault?.kind === 'resetMidBody') {
      const whole = JSON.stringify({
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(600),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(whole.length) });
      res.write(whole.slice(0, whole.length >> 1), () => req.socket.destroy());
      return;
    }
    if (fault?.kind === 'drip') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), fault.intervalMs);
      res.once('close', () => clearInterval(timer));
      return;
    }
    if (fault?.kind === 'flood') {
      this.floodBytesSent = 0;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      res.write('{"access_token":"');
      const pump = () => {
        while (this.floodBytesSent < fault.bytes && !res.destroyed) {
          const n = Math.min(chunk.length, fault.bytes - this.floodBytesSent);
          this.floodBytesSent += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end('"}');
      };
      pump();
      return;
    }
    if (fault?.kind === 'echo') {
      this.record(req, tenantSegment, new URLSearchParams(body ?? ''), fault.status);
      const received = body ?? '';
      const decoded = [...new URLSearchParams(received)].map(([k, v]) => `${k}=${v}`).join('&');
      switch (fault.encoding ?? 'as-received') {
        case 'json-unicode-escapes': {
          const escaped = [...`Bad request. Received: ${decoded}`]
            .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
            .join('');
          res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8' });
          return void res.end(`{"error":"invalid_request","error_description":"${escaped}"}`);
        }
        case 'base64':
        case 'base64-mime': {
          const b64 = Buffer.from(received).toString('base64');
          const shown = fault.encoding === 'base64' ? b64 : (b64.match(/.{1,76}/g) ?? []).join('\r\n');
          return this.json(res, fault.status, {
            error: 'invalid_request',
            error_description: `Bad request. Received (base64): ${shown}`,
          });
        }
        case 'html-references':
          return this.json(res, fault.status, {
            error: 'invalid_request',
            error_description: `Bad request. Received: ${[...decoded].map((c) => `&#${c.charCodeAt(0)};`).join('')}`,
          });
        default:
          return this.json(res, fault.status, {
            error: 'invalid_request',
            error_description: `Bad request. Received: ${received}`,
          });
      }
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': fault.contentType ?? 'text/plain; charset=utf-8' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      this.record(req, tenantSegment, new URLSearchParams(), fault.status);
      res.writeHead(fault.status, headers).end(fault.body ?? '');
      return;
    }
    const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '') && body !== undefined;
    const params = new URLSearchParams(form ? body : '');
    if (body === undefined)
      return this.json(res, 413, { error: 'invalid_request', error_description: 'The request body is too large.' });
    const result = await handleTokenRequest(
      {
        origin: this.authority,
        directory: this.directory,
        key: this.key,
        tenant,
        tenantInPath: tenantSegment,
        correlationId,
        external: this.externalIssuer,
        refreshTokens: this.refreshTokens,
        authorize: this.authorization,
      },
      params,
    );
    this.record(req, tenantSegment, params, result.status);
    this.json(res, result.status, result.body, {
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': randomUUID(),
      ...(correlationId ? { 'client-request-id': correlationId } : {}),
    });
  }

  private record(req: IncomingMessage, tenant: string, params: URLSearchParams, status: number): void {
    if (this.requests.length >= MAX_RECORDED) this.requests.shift();
    this.requests.push({
      tenant,
      params: Object.fromEntries(params),
      connectionId: this.socketIds.get(req.socket) ?? 0,
      status,
    });
  }

  private openIdConfiguration(tenant: Tenant, version: 1 | 2) {
    const base = `${this.authority}/${tenant.id}`;
    const v = version === 2 ? 'v2.0/' : '';
    const oauth = version === 2 ? 'oauth2/v2.0' : 'oauth2';
    return {
      token_endpoint: `${base}/${oauth}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/${v}keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: version === 2 ? issuerV2(this.authority, tenant.id) : issuerV1(this.authority, tenant.id),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.authority}/oidc/userinfo`,
      authorization_endpoint: `${base}/${oauth}/authorize`,
      device_authorization_endpoint: `${base}/${oauth}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${oauth}/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'azp', 'roles'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'sandbox.local',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res
      .writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers,
      })
      .end(text);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  // Echoed back into JSON only; keep it short and printable.
  return s && /^[\w.-]{1,64}$/.test(s) ? s : undefined;
}

/** The request body as text, or undefined past the size limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) void _;
}
