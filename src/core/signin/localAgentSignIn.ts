// A local agent signs a user in (agent-id-2026 §2, PREVIEW): a public client, the authorization code flow with PKCE
// (S256 only) through a loopback redirect, as desktop MSAL does. The OAuth parts are openid-client's (PKCE, state and
// nonce, the authorization URL, the code's redemption and the ID token's checks); this module only listens on
// 127.0.0.1 for the one redirect, then closes. Every face (the CLI's `sign-in`, VS Code's Sign In to Local Agent…)
// calls `signInLocalAgent` and gets a result shaped as any other token's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAuthority, validateClientId, validateTenant } from '../config/config';
import { EntraError } from '../errors/entraError';
import { CancelledError, ConfigError, NetworkError } from '../errors/errors';
import { rememberSent } from '../safety/sentValues';
import { decodeTokenLenient } from '../tokens/jwt';
import type { AgentTokenResult } from '../engine/agentTokens';

export interface LocalSignInRequest {
  /** Origin, e.g. https://login.microsoftonline.com (http only on loopback: the sandbox). */
  readonly authority: string;
  readonly tenant: string;
  /** The local agent's client id (a public client). */
  readonly clientId: string;
  /** The resource's delegated scopes, space-separated (openid, profile and offline_access are added). */
  readonly scope: string;
  /** The loopback port to listen on; 0 or none: any free one. */
  readonly redirectPort?: number;
}

export interface LocalSignInOptions {
  readonly signal?: AbortSignal;
  /** How long to wait for the browser's redirect. Default 5 minutes. */
  readonly timeoutMs?: number;
  /** The authorization URL, once the listener is up: the face prints it, opens a browser, or both. */
  readonly onAuthorizeUrl: (url: string) => void | Promise<void>;
}

const OIDC = ['openid', 'profile', 'offline_access'];

/** Checks the request before anything listens or is sent; errors name the field as the face does. */
export function checkSignInRequest(
  r: LocalSignInRequest,
  names: { authority?: string; tenant?: string; clientId?: string; scope?: string; port?: string } = {},
): LocalSignInRequest {
  const scopes = r.scope.trim().split(/\s+/).filter(Boolean);
  if (scopes.length === 0)
    throw new ConfigError(
      names.scope ?? 'scope',
      'is empty.',
      'Give the delegated scope to ask for, such as api://my-api/Read.',
    );
  // Printable ASCII but the characters a URL would have to escape (scopes are URIs or plain names).
  const bad = scopes.find((s) => !/^[!#-;=?-[\]_a-z~]+$/i.test(s) || s.length > 300);
  if (bad !== undefined)
    throw new ConfigError(
      names.scope ?? 'scope',
      'holds a character a scope cannot have.',
      'Give scopes such as api://my-api/Read or User.Read.',
    );
  const port = r.redirectPort ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(
      names.port ?? 'redirect port',
      'must be a port number (1-65535), or 0 for any free one.',
      'Give a free port.',
    );
  return {
    authority: validateAuthority(r.authority, names.authority),
    tenant: validateTenant(r.tenant, names.tenant),
    clientId: validateClientId(r.clientId, names.clientId ?? 'client id', 'local agent'),
    scope: scopes.join(' '),
    redirectPort: port,
  };
}

/** Runs the whole sign-in: listen, hand over the URL, take one code with the right state, redeem it, close. */
export async function signInLocalAgent(
  input: LocalSignInRequest,
  options: LocalSignInOptions,
): Promise<AgentTokenResult> {
  const request = checkSignInRequest(input);
  const client = await import('openid-client');
  const insecure = new URL(request.authority).protocol === 'http:';
  const metadataUrl = `${request.authority}/${request.tenant}/v2.0/.well-known/openid-configuration`;
  // The metadata is read here rather than by client.discovery(), whose issuer check fails for a tenant given as a
  // domain (Entra's issuer names the GUID); the ID token's issuer is still checked against it.
  const metadata = await readMetadata(metadataUrl, options.signal);
  // The code and the verifier go only to the authority's own origin, whatever the document names.
  for (const endpoint of [metadata.token_endpoint, metadata.authorization_endpoint])
    if (!endpoint || safeOrigin(endpoint) !== new URL(request.authority).origin)
      throw new NetworkError(
        'protocol',
        `The tenant's OpenID metadata names an endpoint outside ${new URL(request.authority).origin}; nothing was sent there.`,
        metadataUrl,
      );
  const config = new client.Configuration(metadata, request.clientId, undefined, client.None());
  if (insecure) client.allowInsecureRequests(config);
  config.timeout = 30;

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  rememberSent(verifier);
  const listener = await listen(request.redirectPort ?? 0);
  try {
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`;
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      response_type: 'code',
      response_mode: 'query',
      scope: [...OIDC, ...request.scope.split(' ').filter((s) => !OIDC.includes(s))].join(' '),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = waitForRedirect(listener, state, options.timeoutMs ?? 5 * 60_000, options.signal);
    // If the face cannot hand the URL over (the user declined to open it), that error is the one that counts.
    callback.catch(() => undefined);
    await options.onAuthorizeUrl(url.href);
    const callbackUrl = await callback;
    const code = callbackUrl.searchParams.get('code') ?? '';
    rememberSent(code);
    const started = Date.now();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, new URL(`${redirectUri}${callbackUrl.search}`), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
    } catch (e) {
      throw redemptionError(e, metadata.token_endpoint ?? metadataUrl);
    }
    const token = decodeTokenLenient(tokens.access_token);
    const expiresIn = tokens.expires_in ?? 3600;
    const leg = {
      name: 'local-agent',
      url: String(metadata.token_endpoint ?? ''),
      status: 200,
      durationMs: Date.now() - started,
      parameters: {
        client_id: request.clientId,
        grant_type: 'authorization_code',
        redirect_uri: redirectUri,
        code: '[redacted]',
        code_verifier: '[redacted]',
        scope: String(tokens.scope ?? request.scope),
      },
      attempts: 1,
      token,
      cached: false,
    };
    return {
      flow: 'local-agent',
      accessToken: tokens.access_token,
      expiresOn: new Date(started + expiresIn * 1000),
      token,
      t1: token,
      legs: [leg],
      fromCache: false,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    };
  } finally {
    await close(listener);
  }
}

async function readMetadata(url: string, signal?: AbortSignal) {
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ?? null, headers: { accept: 'application/json' } });
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    throw new NetworkError('connection', `Cannot reach ${new URL(url).origin}: ${(e as Error).message}`, url);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok || !body || typeof body !== 'object' || typeof (body as { issuer?: unknown }).issuer !== 'string')
    throw new NetworkError(
      'protocol',
      `The tenant's OpenID metadata was not found (HTTP ${response.status}); check the authority and tenant.`,
      url,
    );
  return body as { issuer: string; token_endpoint?: string; authorization_endpoint?: string };
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new ConfigError(
              'redirect port',
              `${port} is taken on 127.0.0.1.`,
              'Give another port, or none for any free one.',
            )
          : e,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;

/**
 * The one redirect with our state (a code or an error); anything else is answered 400 and the wait goes on. No text
 * from the request is written back into the page.
 */
function waitForRedirect(server: Server, state: string, timeoutMs: number, signal?: AbortSignal): Promise<URL> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        done(
          new NetworkError(
            'timeout',
            `No sign-in came back within ${Math.round(timeoutMs / 1000)} s.`,
            'http://127.0.0.1/',
          ),
        ),
      timeoutMs,
    );
    const onAbort = () => done(new CancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
    // Closed before a redirect came (the sign-in ended another way): the wait ends too.
    server.once('close', () => done(new CancelledError()));
    let settled = false;
    const done = (outcome: URL | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof URL) resolve(outcome);
      else reject(outcome);
    };
    if (signal?.aborted) done(new CancelledError());
    server.on('request', (req, res) => {
      const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' };
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://127.0.0.1');
      } catch {
        res.writeHead(400, headers).end(PAGE('Not this sign-in', 'This address waits for one sign-in only.'));
        return;
      }
      if (req.method !== 'GET' || url.pathname !== '/' || url.searchParams.get('state') !== state || settled) {
        res.writeHead(400, headers).end(PAGE('Not this sign-in', 'This address waits for one sign-in only.'));
        return;
      }
      const error = url.searchParams.get('error');
      if (error) {
        res
          .writeHead(200, headers)
          .end(PAGE('Sign-in failed', 'The sign-in did not complete. The app says why; you can close this tab.'));
        done(new EntraError(400, { error, error_description: url.searchParams.get('error_description') ?? undefined }));
        return;
      }
      if (!url.searchParams.get('code')) {
        res.writeHead(400, headers).end(PAGE('Not this sign-in', 'The redirect carried no code.'));
        return;
      }
      res
        .writeHead(200, headers)
        .end(PAGE('Signed in', 'You are signed in to the local agent. You can close this tab.'));
      done(url);
    });
  });
}

/** openid-client's refusals of the redemption, as the errors every face explains (Entra's body kept). */
function redemptionError(e: unknown, endpoint: string): Error {
  const err = e as {
    name?: string;
    status?: number;
    cause?: unknown;
    error?: string;
    error_description?: string;
    code?: string;
  };
  if (err?.name === 'AbortError') return new CancelledError();
  if (err?.name === 'ResponseBodyError') {
    const body = (err.cause && typeof err.cause === 'object' ? err.cause : {}) as Record<string, unknown>;
    return new EntraError(
      err.status ?? 400,
      {
        ...(typeof body.error === 'string' ? { error: body.error } : err.error ? { error: err.error } : {}),
        ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}),
        ...(Array.isArray(body.error_codes)
          ? { error_codes: body.error_codes.filter((c): c is number => typeof c === 'number') }
          : {}),
        ...(typeof body.trace_id === 'string' ? { trace_id: body.trace_id } : {}),
        ...(typeof body.correlation_id === 'string' ? { correlation_id: body.correlation_id } : {}),
        ...(typeof body.timestamp === 'string' ? { timestamp: body.timestamp } : {}),
      },
      undefined,
      { endpoint, leg: 'local-agent' },
    );
  }
  return new NetworkError(
    'protocol',
    `The sign-in's answer was refused: ${(e as Error)?.message ?? String(e)}`,
    endpoint,
  );
}
