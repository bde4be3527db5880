// The sandbox's /authorize (agent-id-2026 §2, PREVIEW: local agents sign users in with the authorization code flow
// and PKCE, as public clients): a small sign-in and consent page for the sandbox's users, codes bound to client,
// redirect URI, PKCE challenge and nonce, single use and short-lived. The refusals are Entra's: an error page for an
// unknown client (700016), a redirect URI that is not registered (50011) and an agent identity at /authorize (82014,
// [S] agent-id-2026 §3); the rest go back to the redirect URI as `error=…&error_description=AADSTS…`.
// [I] Entra accepts `plain` for ordinary apps; the local-agent pages show S256 only, so the sandbox refuses `plain`
// for agent clients (AADSTS90100, its code for an invalid parameter value).
import { createHash, randomBytes } from 'node:crypto';
import { SANDBOX_USER_PASSWORD, type Blueprint, type Resource, type Tenant, type User } from './directory';
import { parseDelegatedScopes, Reject } from './userGrants';

/** What a code stands for, until it is redeemed once (tokenEndpoint.ts) or expires. */
export interface AuthCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly userId: string;
  readonly resourceAppId: string;
  readonly scopes: readonly string[];
  readonly oidc: boolean;
  readonly nonce?: string;
  readonly expiresAtMs: number;
  redeemed: boolean;
}

/** A sign-in in progress: the checked /authorize request, between the page and its form. */
interface Pending {
  readonly client: Blueprint;
  readonly redirectUri: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly challenge: string;
  readonly resource: Resource;
  readonly names: readonly string[];
  readonly oidc: boolean;
  readonly expiresAtMs: number;
}

export interface AuthorizeState {
  readonly pending: Map<string, Pending>;
  readonly codes: Map<string, AuthCode>;
  /** How long a code may wait to be redeemed; Entra's live about 10 minutes [S]. */
  codeLifetimeMs: number;
}

export function newAuthorizeState(): AuthorizeState {
  return { pending: new Map(), codes: new Map(), codeLifetimeMs: 10 * 60_000 };
}

export type AuthorizeAnswer =
  | {
      readonly kind: 'page';
      readonly status: number;
      readonly html: string;
      /** CSP form-action sources: where the form's answer may redirect (the client's registered URIs). */
      readonly formTargets?: string;
    }
  | { readonly kind: 'redirect'; readonly location: string };

const PAGE_LIFETIME_MS = 15 * 60_000;
const MAX_PENDING = 200;
const MAX_CODES = 1000;

/** Forgets what expired; a map still full after that refuses new entries rather than evict live ones. */
function prune<V extends { readonly expiresAtMs: number }>(map: Map<string, V>, max: number): boolean {
  const now = Date.now();
  for (const [k, v] of map) if (v.expiresAtMs < now) map.delete(k);
  return map.size < max;
}

/** CSP form-action sources for a client's registered redirect URIs (a loopback one on any port). */
function formTargets(client: Blueprint): string {
  return client.redirectUris
    .map((u) => {
      const url = new URL(u);
      const loopback = url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
      return loopback ? `${url.protocol}//${url.hostname}:*` : url.origin;
    })
    .join(' ');
}

/** Registered loopback redirect URIs match any port (as Entra does for http://localhost and http://127.0.0.1). */
function redirectMatches(registered: readonly string[], given: string): boolean {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return false;
  }
  return registered.some((r) => {
    const reg = new URL(r);
    const loopback = reg.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(reg.hostname);
    return (
      reg.protocol === url.protocol &&
      reg.hostname === url.hostname &&
      (loopback || reg.port === url.port) &&
      reg.pathname === url.pathname &&
      url.hash === ''
    );
  });
}

function errorRedirect(redirectUri: string, error: string, code: number, message: string, state?: string) {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', `AADSTS${code}: ${message}`);
  if (state !== undefined) url.searchParams.set('state', state);
  return { kind: 'redirect', location: url.href } as const;
}

/** GET /{tenant}/oauth2/v2.0/authorize: the page, Entra's error page, or the error sent back to the client. */
export function authorizePage(tenant: Tenant, state: AuthorizeState, query: URLSearchParams): AuthorizeAnswer {
  const clientId = (query.get('client_id') ?? '').toLowerCase();
  if (!clientId) return errorPage(900144, "The request body must contain the following parameter: 'client_id'.");
  const client = tenant.blueprints.get(clientId);
  const agent = tenant.agents.get(clientId);
  if (agent && !client)
    // [S] agent-id-2026 §3: an agent identity cannot sign users in nor be consented to interactively.
    return errorPage(
      82014,
      `Application '${clientId}'(${agent.displayName}) is an agent identity, which cannot use the authorization endpoint: interactive sign-in and consent are not supported for agent identities. Make its permissions inheritable on its blueprint and have an admin consent for the blueprint's principal.`,
    );
  if (!client || client.redirectUris.length === 0)
    return errorPage(
      client ? 50011 : 700016,
      client
        ? `The redirect URI '${(query.get('redirect_uri') ?? '').slice(0, 200)}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`
        : `Application with identifier '${clientId.slice(0, 60)}' was not found in the directory '${tenant.displayName}'.`,
    );
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!redirectMatches(client.redirectUris, redirectUri))
    return errorPage(
      50011,
      `The redirect URI '${redirectUri.slice(0, 200)}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    );
  const st = query.get('state') ?? undefined;
  if (query.get('response_type') !== 'code')
    return errorRedirect(
      redirectUri,
      'unsupported_response_type',
      700054,
      "The response_type must be 'code' for a local agent.",
      st,
    );
  const challenge = query.get('code_challenge') ?? '';
  const method = query.get('code_challenge_method') ?? 'plain';
  if (!challenge)
    return errorRedirect(
      redirectUri,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'code_challenge'. A local agent must use PKCE.",
      st,
    );
  if (method !== 'S256')
    return errorRedirect(
      redirectUri,
      'invalid_request',
      90100,
      `The code_challenge_method '${method.slice(0, 20)}' is not supported for agent clients; use S256.`,
      st,
    );
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    return errorRedirect(
      redirectUri,
      'invalid_request',
      90100,
      'The code_challenge is not a base64url SHA-256 hash.',
      st,
    );
  let parsed: ReturnType<typeof parseDelegatedScopes>;
  try {
    parsed = parseDelegatedScopes(tenant, query.get('scope') ?? '');
  } catch (e) {
    if (e instanceof Reject) return errorRedirect(redirectUri, e.error, e.code, e.message, st);
    throw e;
  }
  // A scope the resource does not define is refused, as Entra does, before anyone can consent to it.
  const undefinedScope = parsed.names.find(
    (n) => n !== '.default' && !parsed.resource.scopes.some((s) => s.value === n),
  );
  if (undefinedScope !== undefined)
    return errorRedirect(
      redirectUri,
      'invalid_client',
      650053,
      `The application '${client.displayName}' asked for scope '${undefinedScope.slice(0, 100)}' that doesn't exist on the resource '${parsed.resource.appId}'.`,
      st,
    );
  const id = randomBytes(24).toString('base64url');
  if (!prune(state.pending, MAX_PENDING))
    return errorPage(90033, 'Too many sign-ins are in progress; finish one, or try again in a few minutes.');
  const nonce = query.get('nonce') ?? undefined;
  state.pending.set(id, {
    client,
    redirectUri,
    ...(st !== undefined ? { state: st } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    challenge,
    resource: parsed.resource,
    names: parsed.names,
    oidc: parsed.oidc,
    expiresAtMs: Date.now() + PAGE_LIFETIME_MS,
  });
  return {
    kind: 'page',
    status: 200,
    html: signInPage(tenant, id, state.pending.get(id)!),
    formTargets: formTargets(client),
  };
}

/** POST of the page's form: the user signs in and consents (or declines); the code goes back to the client. */
export function authorizeSubmit(tenant: Tenant, state: AuthorizeState, form: URLSearchParams): AuthorizeAnswer {
  const id = form.get('request') ?? '';
  const pending = state.pending.get(id);
  if (!pending || pending.expiresAtMs < Date.now()) {
    state.pending.delete(id);
    return errorPage(50058, 'The sign-in request expired or was already used. Start the sign-in again from the app.');
  }
  if (form.get('action') === 'decline') {
    state.pending.delete(id);
    return errorRedirect(
      pending.redirectUri,
      'access_denied',
      65004,
      'User declined to consent to access the app.',
      pending.state,
    );
  }
  const username = (form.get('username') ?? '').trim().toLowerCase();
  const user = tenant.users.find((u) => u.userPrincipalName === username);
  if (!user || !user.password || user.identityParentId || !same(user.password, form.get('password') ?? ''))
    return {
      kind: 'page',
      status: 200,
      html: signInPage(tenant, id, pending, 'Your account or password is incorrect. (AADSTS50126)'),
      formTargets: formTargets(pending.client),
    };
  state.pending.delete(id);
  const agent = [...pending.client.agents.values()][0];
  if (!agent)
    return errorRedirect(
      pending.redirectUri,
      'unauthorized_client',
      7000229,
      `The client application ${pending.client.clientId} has no agent identity in the tenant yet.`,
      pending.state,
    );
  // The user's consent, kept as a grant for every user [I: Entra records a per-user grant].
  const key = pending.resource.identifierUri;
  const scopes = pending.names.includes('.default') ? (agent.delegated[key] ?? []) : [...pending.names];
  if (!pending.names.includes('.default'))
    agent.delegated[key] = [...new Set([...(agent.delegated[key] ?? []), ...scopes])];
  if (!prune(state.codes, MAX_CODES))
    return errorRedirect(
      pending.redirectUri,
      'temporarily_unavailable',
      90033,
      'Too many codes wait to be redeemed.',
      pending.state,
    );
  const code = randomBytes(48).toString('base64url');
  state.codes.set(code, {
    clientId: pending.client.clientId,
    redirectUri: pending.redirectUri,
    challenge: pending.challenge,
    userId: user.id,
    resourceAppId: pending.resource.appId,
    scopes,
    oidc: pending.oidc,
    ...(pending.nonce !== undefined ? { nonce: pending.nonce } : {}),
    expiresAtMs: Date.now() + state.codeLifetimeMs,
    redeemed: false,
  });
  const url = new URL(pending.redirectUri);
  url.searchParams.set('code', code);
  if (pending.state !== undefined) url.searchParams.set('state', pending.state);
  return { kind: 'redirect', location: url.href };
}

/** RFC 7636 S256: the verifier's SHA-256, base64url, equals the challenge the code was issued for. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function same(a: string, b: string): boolean {
  return (
    a.length === b.length &&
    createHash('sha256').update(a).digest('hex') === createHash('sha256').update(b).digest('hex')
  );
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f3f3f3;color:#1b1b1b}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px;border:1px solid #ccc;border-radius:4px}
h1{font-size:1.4em;margin:0 0 8px}label{display:block;margin:14px 0 4px;font-weight:600}
input{width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #666;border-radius:2px}
ul{padding-left:20px}.hint{color:#444;font-size:.9em}.error{color:#a4262c;font-weight:600}
.buttons{display:flex;gap:8px;margin-top:20px}button{font:inherit;padding:8px 20px;border:1px solid #0f6cbd;border-radius:2px;cursor:pointer}
button.primary{background:#0f6cbd;color:#fff}button.secondary{background:#fff;color:#0f6cbd}
button:focus-visible,input:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}`;

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function signInPage(tenant: Tenant, id: string, p: Pending, error?: string): string {
  const users = tenant.users.filter((u: User) => u.password && !u.identityParentId);
  const scopes = p.names.map((n) => (n === '.default' ? 'the permissions already granted' : n));
  return shell(
    'Sign in to the sandbox tenant',
    `<h1>Sign in</h1>
<p>${esc(p.client.displayName)} (a local agent) wants to sign you in to ${esc(tenant.displayName)}.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${esc(`/${tenant.id}/oauth2/v2.0/authorize`)}">
<input type="hidden" name="request" value="${esc(id)}">
<label for="username">Email or user name</label>
<input id="username" name="username" type="text" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<h2 style="font-size:1.05em;margin:20px 0 4px">Permissions requested</h2>
<p>If you accept, ${esc(p.client.displayName)} may act for you on ${esc(p.resource.displayName)}:</p>
<ul>${scopes.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
<div class="buttons"><button class="primary" type="submit" name="action" value="accept">Sign in and accept</button>
<button class="secondary" type="submit" name="action" value="decline" formnovalidate>Cancel</button></div>
</form>
<p class="hint">The sandbox's users: ${users.map((u) => esc(u.userPrincipalName)).join(', ')}. The default sandbox's user signs in with the password <code>${esc(SANDBOX_USER_PASSWORD)}</code>.</p>`,
  );
}

function errorPage(code: number, message: string): AuthorizeAnswer {
  return {
    kind: 'page',
    status: 400,
    html: shell(
      'Sign-in error',
      `<h1>Sorry, but we're having trouble signing you in.</h1><p role="alert">AADSTS${code}: ${esc(message)}</p>`,
    ),
  };
}
