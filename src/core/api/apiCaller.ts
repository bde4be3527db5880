// Calls an API with an agent's token, once the host rule (apiHosts.ts) has allowed its host: the request as given,
// the token as the only credential, redirects answered and never followed (a token must not follow a Location to
// another host), the answer's body read up to 1 MiB. Node's fetch (undici inside): no bundle cost.
import { CancelledError, NetworkError } from '../errors/errors';
import { rememberSent } from '../safety/sentValues';

export const MAX_API_BODY = 1 << 20;

export interface ApiRequest {
  readonly url: string;
  readonly method: string;
  /** Extra headers as typed (`Name: value`); an Authorization header is the token's alone. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
  readonly token: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ApiResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  /** As text (UTF-8), at most MAX_API_BODY bytes of it. */
  readonly body: string;
  readonly truncated: boolean;
  readonly durationMs: number;
}

export async function callApi(call: ApiRequest): Promise<ApiResponse> {
  const headers = new Headers();
  for (const [name, value] of call.headers ?? []) headers.append(name, value);
  headers.set('authorization', `Bearer ${call.token}`);
  // Sent as a credential: no face of this process may print it afterwards, whatever spelling it comes back in.
  rememberSent(call.token);
  const timeout = AbortSignal.timeout(call.timeoutMs ?? 30_000);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    throw networkError(e, call.url, timeout);
  }
  const { text, truncated } = await readCapped(response, call.url, timeout);
  const out: Record<string, string> = {};
  response.headers.forEach((v, k) => (out[k] = v));
  return {
    status: response.status,
    statusText: response.statusText,
    headers: out,
    body: text,
    truncated,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The body up to the cap; the rest is not read (the connection is cancelled). */
async function readCapped(
  response: Response,
  url: string,
  timeout: AbortSignal,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > MAX_API_BODY) {
        chunks.push(value.subarray(0, MAX_API_BODY - size));
        truncated = true;
        await reader.cancel();
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } catch (e) {
    throw networkError(e, url, timeout);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

function networkError(e: unknown, url: string, timeout: AbortSignal): Error {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    return timeout.aborted ? new NetworkError('timeout', 'The API did not answer in time.', url) : new CancelledError();
  }
  return new NetworkError(
    'connection',
    `The API could not be reached: ${err.cause?.code ?? err.cause?.message ?? err.message}.`,
    url,
  );
}

const MAX_METADATA = 64 * 1024;

/** What an API's RFC 9728 protected-resource document says: its resource, and the scopes it supports. */
export interface ResourceMetadata {
  readonly resource?: string;
  readonly scopes: readonly string[];
  /** The issuers it trusts (RFC 9728 `authorization_servers`): for Entra, its tenant and token version. */
  readonly authorizationServers?: readonly string[];
}

/**
 * The protected-resource document an API's challenge names (RFC 9728 `resource_metadata`), fetched only from the
 * API's own origin (the challenge is the API's text: it may not send this tool elsewhere), without the token, at
 * most 64 KB. Undefined when it is elsewhere, unreachable or not such a document.
 */
export async function fetchResourceMetadata(
  metadataUrl: string,
  apiUrl: string,
  signal?: AbortSignal,
): Promise<ResourceMetadata | undefined> {
  let url: URL;
  try {
    url = new URL(metadataUrl);
    if (url.origin !== new URL(apiUrl).origin) return undefined;
  } catch {
    return undefined;
  }
  const timeout = AbortSignal.timeout(10_000);
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (response.status !== 200) return undefined;
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_METADATA) return undefined;
    const text = await response.text();
    if (text.length > MAX_METADATA) return undefined;
    const doc = JSON.parse(text) as { resource?: unknown; scopes_supported?: unknown; authorization_servers?: unknown };
    const servers = Array.isArray(doc.authorization_servers)
      ? doc.authorization_servers.filter((s): s is string => typeof s === 'string').map((s) => s.slice(0, 500))
      : [];
    return {
      ...(typeof doc.resource === 'string' ? { resource: doc.resource.slice(0, 500) } : {}),
      ...(servers.length ? { authorizationServers: servers.slice(0, 10) } : {}),
      scopes: Array.isArray(doc.scopes_supported)
        ? doc.scopes_supported.filter((s): s is string => typeof s === 'string').slice(0, 50)
        : [],
    };
  } catch {
    return undefined;
  }
}
