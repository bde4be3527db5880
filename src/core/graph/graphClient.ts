// A small Microsoft Graph client for Agent ID's calls (shared docs, graph-agent-id.md), on the token client's
// connection rules: undici, one keep-alive connection per origin, a timeout per attempt, cancellation, a 1 MiB body
// cap. Paging by @odata.nextLink (same origin only: the token never follows a link elsewhere), OData-Version 4.0 on
// creates, bounded retries (429/503/504 with Retry-After; the replication lag's "not found" right after a create, when
// the caller says the call names a new object), and every error explained with Graph's code, message and ids.
import { randomUUID } from 'node:crypto';
import { graphErrorExplanation, parseGraphErrorBody } from './graphErrors';

export { GraphError };
import { CancelledError, GraphError, NetworkError } from '../errors/errors';
import { Agent, type Dispatcher } from '../engine/httpAgent';
import { silentLogger, type Logger } from '../config/logger';
import { parseRetryAfter, sleep } from '../engine/tokenClient';
import { rememberSent } from '../safety/sentValues';

export interface GraphClientOptions {
  /** Graph's origin with any path prefix, without the version: https://graph.microsoft.com, or {sandbox}/graph. */
  readonly endpoint: string;
  /** The token for Graph, asked for before each request (the caller's cache decides whether it is new). */
  readonly token: (signal?: AbortSignal) => Promise<string>;
  /** Whether the token is app-only (the fixes name application permissions) or a user's (delegated). */
  readonly appOnly: boolean;
  /** Who the token is, in the fixes' words: "the blueprint", "you". */
  readonly caller?: string;
  readonly timeoutMs?: number;
  /** Default 3. */
  readonly maxRetries?: number;
  /** Total waiting between retries. Default 30 s. */
  readonly maxRetryWaitMs?: number;
  /** Wait before a retry without Retry-After, doubled each time. Default 1 s. */
  readonly retryBaseDelayMs?: number;
  readonly ca?: string | Buffer;
  readonly logger?: Logger;
  readonly version?: 'v1.0' | 'beta';
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /**
   * The call names an object created moments ago: Graph's "not found" (400/404) may be the directory still
   * replicating, so it is retried with backoff within the retry budget.
   */
  readonly fresh?: boolean;
  /**
   * The call mints a credential (addPassword): it is never repeated after 503 or 504, which Graph may send after
   * doing the work, since a repeated POST can leave a secret in the tenant that nobody holds. 429 (not done) and a
   * fresh object's "not found" are still retried.
   */
  readonly once?: boolean;
  /** This call only, on another version than the client's (a beta-only property such as isSingleInstance). */
  readonly version?: 'v1.0' | 'beta';
}

const RETRYABLE = new Set([429, 503, 504]);
const MAX_BODY = 1 << 20;
const MAX_PAGES = 50;

export class GraphClient {
  private readonly dispatcher: Dispatcher;
  private readonly base: URL;
  private readonly logger: Logger;

  constructor(private readonly options: GraphClientOptions) {
    this.base = new URL(`${options.endpoint.replace(/\/+$/, '')}/${options.version ?? 'v1.0'}`);
    this.logger = options.logger ?? silentLogger;
    this.dispatcher = new Agent({
      connections: 1,
      keepAliveTimeout: 30_000,
      ...(options.ca ? { connect: { ca: options.ca } } : {}),
    });
  }

  /** GET a path (under the version), JSON. */
  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', this.url(path, options.version), undefined, options);
  }

  /** Every page of a collection, following @odata.nextLink on Graph's own origin, at most 50 pages. */
  async list<T>(path: string, options: RequestOptions = {}): Promise<T[]> {
    const out: T[] = [];
    let url: URL | undefined = this.url(path, options.version);
    for (let page = 0; url; page++) {
      if (page >= MAX_PAGES)
        throw new NetworkError(
          'protocol',
          `Microsoft Graph sent more than ${MAX_PAGES} pages; stopped there.`,
          url.href,
        );
      const body: { value?: T[]; '@odata.nextLink'?: unknown } = await this.request('GET', url, undefined, options);
      out.push(...(Array.isArray(body.value) ? body.value : []));
      const next = body['@odata.nextLink'];
      url = typeof next === 'string' ? this.sameOrigin(next) : undefined;
    }
    return out;
  }

  /** POST a new object: OData-Version 4.0 (without it, some Agent ID creates make an ordinary object). */
  create<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', this.url(path, options.version), body, options);
  }

  /** Another method with a JSON body (PATCH), under the version. */
  send<T = unknown>(method: 'PATCH' | 'PUT', path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(method, this.url(path, options.version), body, options);
  }

  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', this.url(path, options.version), undefined, options);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private url(path: string, version?: 'v1.0' | 'beta'): URL {
    if (!path.startsWith('/')) throw new Error(`A Graph path starts with /: ${path}`);
    const base = version ? this.base.pathname.replace(/\/(v1\.0|beta)$/, `/${version}`) : this.base.pathname;
    return new URL(`${base}${path}`, this.base.origin);
  }

  /** A next link is followed only on the origin the client was made for: the token goes nowhere else. */
  private sameOrigin(link: string): URL {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new NetworkError('protocol', 'Microsoft Graph sent a next link that is not a URL.', this.base.href);
    }
    // Graph writes its own host in links; a stand-in behind a prefix (the sandbox's /graph) gets them rebased.
    if (url.origin === 'https://graph.microsoft.com' && this.base.origin !== url.origin)
      url = new URL(
        `${this.base.pathname.replace(/\/(v1\.0|beta)$/, '')}${url.pathname}${url.search}`,
        this.base.origin,
      );
    if (url.origin !== this.base.origin)
      throw new NetworkError(
        'protocol',
        `Microsoft Graph's next link points to ${url.host}, not ${this.base.host}: not followed (the token would go there).`,
        this.base.href,
      );
    return url;
  }

  private async request<T>(method: string, url: URL, body: unknown, options: RequestOptions): Promise<T> {
    const maxRetries = this.options.maxRetries ?? 3;
    const maxWait = this.options.maxRetryWaitMs ?? 30_000;
    const baseDelay = this.options.retryBaseDelayMs ?? 1_000;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const clientRequestId = randomUUID();
      const { status, text, headers } = await this.attempt(method, url, body, clientRequestId, options.signal);
      if (status >= 200 && status < 300) {
        this.logger.trace(`Graph: ${method} ${url.pathname} → ${status}`);
        if (!text) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new NetworkError(
            'protocol',
            `Microsoft Graph answered ${status} with a body that is not JSON.`,
            url.href,
          );
        }
      }
      const parsed = parseGraphErrorBody(text) ?? {
        code: 'UnknownError',
        message: text ? text.replace(/\s+/g, ' ').slice(0, 200) : '(no body)',
      };
      const retryAfter = parseRetryAfter(headers['retry-after']);
      const replicating =
        options.fresh && (status === 400 || status === 404) && /not found|does not exist/i.test(parsed.message);
      const delay = retryAfter !== undefined ? retryAfter * 1000 : baseDelay * 2 ** (attempt - 1);
      const mayRepeat = replicating || (RETRYABLE.has(status) && (!options.once || status === 429));
      if (mayRepeat && attempt <= maxRetries && waited + delay <= maxWait) {
        this.logger.warn(
          `Graph: ${method} ${url.pathname} → ${status}${replicating ? ' (the new object is still replicating)' : ''}; retrying in ${delay} ms`,
        );
        await sleep(delay, options.signal);
        waited += delay;
        continue;
      }
      const explained = graphErrorExplanation(
        status,
        parsed.code,
        parsed.message,
        this.options.appOnly,
        url.pathname,
        method,
        this.options.caller,
      );
      throw new GraphError(
        status,
        parsed.code,
        parsed.message,
        explained.meaning,
        explained.fix,
        parsed.requestId ?? headers['request-id'],
        parsed.clientRequestId ?? clientRequestId,
        method,
        url.pathname,
      );
    }
  }

  private async attempt(
    method: string,
    url: URL,
    body: unknown,
    clientRequestId: string,
    callerSignal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; headers: Record<string, string> }> {
    if (callerSignal?.aborted) throw new CancelledError();
    const token = await this.options.token(callerSignal);
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    // The bearer is a credential sent: no face may print it, whatever Graph echoes of it.
    rememberSent(token);
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'client-request-id': clientRequestId,
          ...(body !== undefined ? { 'content-type': 'application/json', 'odata-version': '4.0' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY) {
          (res.body as { destroy?: () => void }).destroy?.();
          throw new NetworkError(
            'protocol',
            'Microsoft Graph sent a body larger than 1 MiB; reading stopped there.',
            url.href,
          );
        }
        chunks.push(chunk);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v[0]! : v;
      return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), headers };
    } catch (e) {
      if (callerSignal?.aborted) throw new CancelledError();
      if (timeout.aborted)
        throw new NetworkError('timeout', `Microsoft Graph did not answer within ${timeoutMs} ms.`, url.href);
      if (e instanceof NetworkError) throw e;
      const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code ?? '';
      throw new NetworkError(
        'connection',
        `The connection to ${url.host} failed (${code || (e as Error).message}).`,
        url.href,
      );
    }
  }
}
