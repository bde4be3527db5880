import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from './httpAgent';
import { parseEntraErrorBody, EntraError, type EntraErrorBody } from '../errors/entraError';
import { CancelledError, NetworkError } from '../errors/errors';
import { silentLogger, type Logger } from '../config/logger';
import { scrubSentValues } from '../safety/encodedMatch';
import { isSecretParameter, redactParameters } from '../safety/redact';
import { rememberSent } from '../safety/sentValues';

/** What the endpoint returns on success (shared docs §4). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly ext_expires_in?: number;
  readonly refresh_token?: string;
}

/** One HTTP leg of an exchange, as recorded for the user: never a secret value. */
export interface LegRecord {
  readonly name: string;
  readonly url: string;
  readonly status: number;
  readonly durationMs: number;
  /** Parameters sent, with credential and token values replaced by "[redacted]". */
  readonly parameters: Readonly<Record<string, string>>;
  /** 1 + the number of retries. */
  readonly attempts: number;
}

export interface TokenEndpointClientOptions {
  /** Per-attempt timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /** Default 2. */
  readonly maxRetries?: number;
  /** Total time spent waiting between retries. Default 60 s. */
  readonly maxRetryWaitMs?: number;
  /** Wait before a retry when the server sent no Retry-After, doubled each time. Default 1 s. */
  readonly retryBaseDelayMs?: number;
  /** Extra trusted CA certificates (PEM), e.g. the sandbox's test CA. */
  readonly ca?: string | Buffer;
  /**
   * Connections per origin. Default 1: both legs of an exchange then ride one keep-alive (TLS) connection;
   * undici's default pool opens a second socket for a request issued right after the previous one ends.
   */
  readonly connectionsPerOrigin?: number;
  /** Resolves host names instead of the system resolver (as net.connect's `lookup`): for callers with their own DNS. */
  readonly lookup?: LookupFunction;
  readonly logger?: Logger;
}

export interface PostOptions {
  readonly signal?: AbortSignal;
  readonly legName: string;
  /** Sent besides the form's own (`client-request-id`). */
  readonly headers?: Readonly<Record<string, string>>;
}

const RETRYABLE_STATUS = new Set([429, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const MAX_BODY_BYTES = 1 << 20;

/**
 * Posts form bodies to the token endpoint over one keep-alive dispatcher. Retries only throttling, unavailable
 * and connection resets, honouring Retry-After, bounded in count and waiting time; never a 400 or 401.
 */
export class TokenEndpointClient {
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly logger: Logger;

  constructor(options: TokenEndpointClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1_000;
    this.logger = options.logger ?? silentLogger;
    this.dispatcher = new Agent({
      connections: options.connectionsPerOrigin ?? 1,
      keepAliveTimeout: 30_000,
      ...(options.ca || options.lookup
        ? {
            connect: {
              ...(options.ca ? { ca: options.ca } : {}),
              ...(options.lookup ? { lookup: options.lookup } : {}),
            },
          }
        : {}),
    });
  }

  async postForm(
    url: string,
    params: Readonly<Record<string, string>>,
    options: PostOptions,
  ): Promise<{ response: TokenResponse; record: LegRecord }> {
    const started = performance.now();
    const body = new URLSearchParams(params).toString();
    // Every credential this request carries, so that no face of this process can print it afterwards.
    for (const [name, value] of Object.entries(params)) if (isSecretParameter(name)) rememberSent(value);
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      let outcome: Attempt;
      try {
        outcome = await this.attempt(url, body, options.signal, options.headers);
      } catch (e) {
        const retryable = e instanceof NetworkError && e.reset;
        const delay = this.retryDelay(attempt, undefined);
        if (retryable && attempt <= this.maxRetries && waited + delay <= this.maxRetryWaitMs) {
          this.logger.warn(`${options.legName}: connection reset, retrying in ${delay} ms`);
          await sleep(delay, options.signal);
          waited += delay;
          continue;
        }
        throw e;
      }
      const record: LegRecord = {
        name: options.legName,
        url,
        status: outcome.status,
        durationMs: Math.round(performance.now() - started),
        parameters: redactParameters(params),
        attempts: attempt,
      };
      if (outcome.status === 200) {
        this.logger.trace(`${options.legName}: POST ${url} → 200 in ${record.durationMs} ms`);
        return { response: parseSuccess(outcome.text, outcome.contentType, url), record };
      }
      const retryAfter = parseRetryAfter(outcome.retryAfter);
      // Parsed first, then scrubbed: JSON escapes (\u0073ecret) are undone by the parse, so the decoded strings are
      // what must hold no value sent.
      const error = new EntraError(
        outcome.status,
        scrubBody(
          parseEntraErrorBody(outcome.text, (t) => scrubSentValues(t, params)),
          params,
        ),
        retryAfter,
        {
          endpoint: url,
          leg: options.legName,
          durationMs: record.durationMs,
          parameters: record.parameters,
        },
      );
      if (RETRYABLE_STATUS.has(outcome.status) && attempt <= this.maxRetries) {
        const delay = this.retryDelay(attempt, retryAfter);
        if (waited + delay <= this.maxRetryWaitMs) {
          this.logger.warn(`${options.legName}: HTTP ${outcome.status}, retrying in ${delay} ms`);
          await sleep(delay, options.signal);
          waited += delay;
          continue;
        }
      }
      this.logger.warn(
        `${options.legName}: POST ${url} → ${outcome.status}${error.code ? ` AADSTS${error.code}` : ''}`,
      );
      throw error;
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private retryDelay(attempt: number, retryAfterSeconds: number | undefined): number {
    return retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : this.retryBaseDelayMs * 2 ** (attempt - 1);
  }

  private async attempt(
    url: string,
    body: string,
    callerSignal: AbortSignal | undefined,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<Attempt> {
    if (callerSignal?.aborted) throw new CancelledError();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const { origin, pathname, search } = new URL(url);
    try {
      const res = await this.dispatcher.request({
        origin,
        path: pathname + search,
        method: 'POST',
        headers: { ...extraHeaders, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal,
      });
      const text = await readCapped(res.body, url);
      const first = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
      return {
        status: res.statusCode,
        text,
        retryAfter: first(res.headers['retry-after']),
        contentType: first(res.headers['content-type']),
      };
    } catch (e) {
      if (callerSignal?.aborted) throw new CancelledError();
      if (timeout.aborted)
        throw new NetworkError('timeout', `The token endpoint did not answer within ${this.timeoutMs} ms.`, url);
      if (e instanceof NetworkError) throw e;
      throw toNetworkError(e, url);
    }
  }
}

interface Attempt {
  status: number;
  text: string;
  retryAfter: string | undefined;
  contentType: string | undefined;
}

async function readCapped(body: AsyncIterable<Buffer>, url: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      // Stop reading: destroying the body closes the connection instead of draining the rest.
      (body as { destroy?: () => void }).destroy?.();
      throw new NetworkError(
        'protocol',
        `The token endpoint at ${safeHost(url)} sent a body larger than 1 MiB, which no token response is; reading stopped there.`,
        url,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toNetworkError(e: unknown, url: string): NetworkError {
  const code = (e as { code?: string }).code ?? '';
  const cause = (e as { cause?: { code?: string } }).cause?.code ?? '';
  const host = safeHost(url);
  let message: string;
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED')
    message = `Nothing is listening at ${host}: the connection was refused.`;
  else if (code === 'ENOTFOUND' || cause === 'ENOTFOUND') message = `The host ${host} could not be found (DNS).`;
  else if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/i.test(code + cause))
    message = `The TLS certificate of ${host} is not trusted (${code || cause}), so nothing was sent. Check the authority URL; behind a proxy that inspects TLS, trust its CA with NODE_EXTRA_CA_CERTS.`;
  else if (RESET_CODES.has(code) || RESET_CODES.has(cause))
    message = `The connection to ${host} failed: it was closed before the answer was complete (${code || cause}). A proxy or firewall may be cutting it; try again.`;
  else message = `The connection to ${host} failed (${code || cause || (e as Error).message || 'unknown error'}).`;
  return new NetworkError('connection', message, url, RESET_CODES.has(code) || RESET_CODES.has(cause));
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the token endpoint';
  }
}

/**
 * A 200 must carry a token response. The body decides, not the Content-Type: JSON with an access_token is taken
 * whatever it is labelled; anything else is explained by what it looks like.
 */
function parseSuccess(text: string, contentType: string | undefined, url: string): TokenResponse {
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (!json) {
    const host = safeHost(url);
    if (/html/i.test(contentType ?? '') || /^\s*</.test(text)) {
      throw new NetworkError(
        'protocol',
        `The token endpoint at ${host} answered 200 with an HTML page, not a token response: a proxy, a captive portal or a wrong authority URL is answering instead of Entra.`,
        url,
      );
    }
    if (/^\s*[{[]/.test(text)) {
      throw new NetworkError(
        'protocol',
        `The token endpoint at ${host} answered 200 with JSON that is cut off or malformed (${text.length} bytes): the response was damaged on the way. Try again.`,
        url,
      );
    }
    // The server's Content-Type, named only when it is one (type/subtype): it is the server's text.
    const type = contentType?.split(';')[0]!.trim().slice(0, 60) ?? '';
    const shown = /^[\w.+-]+\/[\w.+-]+$/.test(type) ? `${type} ` : '';
    throw new NetworkError(
      'protocol',
      `The token endpoint at ${host} answered 200 with ${text.length ? `a ${shown}body that is not JSON` : 'an empty body'}, not a token response. Check the authority URL.`,
      url,
    );
  }
  if (typeof json.access_token !== 'string' || !json.access_token) {
    throw new NetworkError('protocol', 'The token endpoint answered 200 without an access_token.', url);
  }
  const expiresIn = Number(json.expires_in);
  return {
    access_token: json.access_token,
    token_type: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
    expires_in: Number.isFinite(expiresIn) ? expiresIn : 0,
    ...(typeof json.refresh_token === 'string' ? { refresh_token: json.refresh_token } : {}),
    ...(json.ext_expires_in !== undefined && Number.isFinite(Number(json.ext_expires_in))
      ? { ext_expires_in: Number(json.ext_expires_in) }
      : {}),
  };
}

/** Every string of an error body with the request's credential values removed, whatever spelling carried them. */
function scrubBody(body: EntraErrorBody, params: Readonly<Record<string, string>>): EntraErrorBody {
  const out: EntraErrorBody = { ...body };
  for (const [key, value] of Object.entries(body))
    if (typeof value === 'string') (out as Record<string, unknown>)[key] = scrubSentValues(value, params);
  return out;
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return undefined;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Waits, or rejects with CancelledError as soon as the signal aborts. Shared by the Graph client. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
