import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { JWT_BEARER_ASSERTION_TYPE, TOKEN_EXCHANGE_APP_ID, TOKEN_EXCHANGE_SCOPE } from '../core/config/config';
import {
  findResource,
  type Agent,
  type Blueprint,
  type Directory,
  type Resource,
  type Tenant,
  type User,
} from './directory';
import {
  appTokenClaims,
  errorBody,
  fmiSubject,
  issuerV2,
  signToken,
  t1Claims,
  type CredentialKind,
  type SigningKey,
} from './issuer';
import { verifierMatches, type AuthorizeState } from './authorize';
import { ExternalIssuer, verifyFederatedAssertion } from './federation';
import {
  consentedScopes,
  expired,
  idTokenAndClientInfo,
  isExchangeAudience,
  missing,
  parseDelegatedScopes,
  Reject,
  reject,
  userTokenClaims,
  verifyOwnToken,
  type UserGrantContext,
} from './userGrants';

export interface EndpointResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * Entra's success body, in its order: `token_type`, `scope` (the user flows only; Entra's client-credentials answer
 * has none), `expires_in` and `ext_expires_in` (the same here: no outage extension is modelled), `access_token`, then
 * a refresh token and the id token / client_info when the flow gives them. One builder, so every grant answers alike.
 */
function tokenResponse(
  accessToken: string,
  lifetime: number,
  more: { scope?: string; refreshToken?: string; extra?: Record<string, unknown> } = {},
): EndpointResponse {
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      ...(more.scope !== undefined ? { scope: more.scope } : {}),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
      ...(more.refreshToken !== undefined ? { refresh_token: more.refreshToken } : {}),
      ...more.extra,
    },
  };
}

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Allowed clock skew for assertions, as Entra's validators use. */
const SKEW_SECONDS = 300;

export interface TokenEndpointContext {
  readonly origin: string;
  readonly directory: Directory;
  readonly key: SigningKey;
  readonly tenant: Tenant;
  /** The tenant as written in the path (id or domain): assertion audiences may use either. */
  readonly tenantInPath: string;
  readonly correlationId: string | undefined;
  readonly external: ExternalIssuer;
  /** Refresh tokens the sandbox issued, and what they stand for (in memory, like the rest of its state). */
  readonly refreshTokens: Map<string, RefreshGrant>;
  /** The codes /authorize issued (authorize.ts). */
  readonly authorize: AuthorizeState;
}

export interface RefreshGrant {
  readonly agentId: string;
  readonly userId: string;
  readonly resourceAppId: string;
  readonly scopes: string[];
  readonly agentFacets: { act: string; sub: string; parent: string };
}

/** POST /{tenant}/oauth2/v2.0/token, validated like Entra validates it. */
export async function handleTokenRequest(
  ctx: TokenEndpointContext,
  params: URLSearchParams,
): Promise<EndpointResponse> {
  try {
    return await issue(ctx, params);
  } catch (e) {
    if (e instanceof Reject)
      return {
        status: e.status,
        body: errorBody(ctx.origin, e.error, e.code, e.message, ctx.correlationId, e.suberror),
      };
    throw e;
  }
}

async function issue(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const grantType = params.get('grant_type');
  if (!grantType) throw missing('grant_type');
  if (grantType === 'urn:ietf:params:oauth:grant-type:token-exchange') {
    throw reject(
      400,
      'invalid_request',
      82001,
      'RFC 8693 token exchange is not supported for agent identities; use client_credentials with fmi_path, then the token as client_assertion.',
    );
  }
  if (grantType === 'password') return passwordGrant(ctx, params);
  if (grantType === 'authorization_code') return authorizationCodeGrant(ctx, params);
  if (grantType === JWT_BEARER_GRANT) return onBehalfOfGrant(ctx, params);
  if (grantType === 'user_fic') return userFicGrant(ctx, params);
  if (grantType === 'refresh_token') return refreshGrant(ctx, params);
  if (grantType !== 'client_credentials') {
    throw reject(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
  const clientId = params.get('client_id');
  if (!clientId) throw missing('client_id');
  const scope = params.get('scope');
  if (!scope) throw missing('scope');

  const { tenant } = ctx;
  const blueprint = tenant.blueprints.get(clientId.toLowerCase());
  const agent = tenant.agents.get(clientId.toLowerCase());
  if (!blueprint && !agent) {
    throw reject(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const client = (blueprint ?? agent) as Blueprint | Agent;
  if (client.disabled)
    throw reject(
      400,
      'unauthorized_client',
      7000112,
      `Application '${client.clientId}'(${client.displayName}) is disabled.`,
    );
  // Graph creates a blueprint without its service principal; until one exists it cannot sign in. A single-instance
  // blueprint never has one: its agent identity is the principal its client id signs in as.
  if (blueprint?.singleInstance) return singleInstanceToken(ctx, blueprint, params, scope);
  if (blueprint && !blueprint.principal)
    throw reject(
      400,
      'unauthorized_client',
      7000229,
      `The client application ${blueprint.clientId} is missing service principal in the tenant ${tenant.id}.`,
    );

  const resource = resolveScope(tenant, scope);
  const fmiPath = params.get('fmi_path');
  const credential = blueprint
    ? await authenticateBlueprint(ctx, blueprint, params)
    : await authenticateAgent(ctx, agent as Agent, params);

  const now = Math.floor(Date.now() / 1000);
  let claims: Record<string, unknown>;
  let lifetime: number;
  if (fmiPath !== null) {
    if (!blueprint)
      throw reject(
        400,
        'invalid_request',
        82001,
        'Only an agent identity blueprint can request a token with fmi_path; an agent identity presents the resulting token as its client_assertion.',
      );
    if (resource.appId !== TOKEN_EXCHANGE_APP_ID)
      throw reject(
        400,
        'invalid_scope',
        70011,
        `A request with fmi_path must ask for '${TOKEN_EXCHANGE_SCOPE}', not '${scope}'.`,
      );
    const target = blueprint.agents.get(fmiPath.toLowerCase());
    if (!target) {
      throw reject(
        400,
        'unauthorized_client',
        700016,
        `The fmi_path '${fmiPath}' does not name an agent identity of blueprint '${blueprint.clientId}'(${blueprint.displayName}) in this tenant.`,
      );
    }
    lifetime = ctx.directory.t1LifetimeSeconds;
    claims = t1Claims(
      { origin: ctx.origin, tenant, lifetimeSeconds: lifetime, now },
      blueprint,
      target.clientId,
      credential,
    );
  } else {
    // [C] A classic blueprint's token-exchange token must name its agent (microsoft/Agent365-Samples#230: an old
    // msal-node dropped fmi_path); status and error field are [I]. An agent identity's own (T2) needs none.
    if (blueprint && resource.appId === TOKEN_EXCHANGE_APP_ID)
      throw reject(
        400,
        'invalid_request',
        82008,
        'All agentic applications requesting a token exchange token must include the fmipath parameter.',
      );
    lifetime =
      resource.appId === TOKEN_EXCHANGE_APP_ID
        ? ctx.directory.t1LifetimeSeconds
        : ctx.directory.accessTokenLifetimeSeconds;
    claims = appTokenClaims(
      { origin: ctx.origin, tenant, lifetimeSeconds: lifetime, now },
      client,
      resource,
      credential,
    );
  }
  const accessToken = await signToken(ctx.key, claims);
  return tokenResponse(accessToken, lifetime);
}

/**
 * A single-instance agent's token (agent-id-2026 §1, PREVIEW): the client id is shared, the credential is the
 * blueprint's, Entra issues to the agent identity. [S] one request, no T1, no fmi_path. [I] the refusals: the classic
 * exchange (fmi_path, or the token-exchange audience) answered 82001 as Entra answers an agentic app asking for
 * what it may not; no agent identity yet answered 7000229, as a client with no principal in the tenant is.
 */
async function singleInstanceToken(
  ctx: TokenEndpointContext,
  blueprint: Blueprint,
  params: URLSearchParams,
  scope: string,
): Promise<EndpointResponse> {
  const resource = resolveScope(ctx.tenant, scope);
  const credential = await authenticateBlueprint(ctx, blueprint, params);
  if (params.get('fmi_path') !== null || resource.appId === TOKEN_EXCHANGE_APP_ID)
    throw reject(
      400,
      'invalid_request',
      82001,
      `Agentic application '${blueprint.clientId}' is single-instance: it is not permitted to request a token exchange token or to name an agent in fmi_path. Request the resource's token directly, without fmi_path.`,
    );
  const agent = [...blueprint.agents.values()][0];
  if (!agent)
    throw reject(
      400,
      'unauthorized_client',
      7000229,
      `The client application ${blueprint.clientId} is missing service principal in the tenant ${ctx.tenant.id}.`,
    );
  if (agent.disabled)
    throw reject(
      400,
      'unauthorized_client',
      7000112,
      `Application '${agent.clientId}'(${agent.displayName}) is disabled.`,
    );
  const now = Math.floor(Date.now() / 1000);
  const lifetime = ctx.directory.accessTokenLifetimeSeconds;
  const claims = appTokenClaims(
    { origin: ctx.origin, tenant: ctx.tenant, lifetimeSeconds: lifetime, now },
    agent,
    resource,
    credential,
  );
  const accessToken = await signToken(ctx.key, claims);
  return tokenResponse(accessToken, lifetime);
}

/** Client credentials take exactly one `<resource>/.default` naming a resource of the tenant. */
function resolveScope(tenant: Tenant, scope: string): Resource {
  const scopes = scope.trim().split(/\s+/);
  if (scopes.length > 1)
    throw reject(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid: client credentials take a single <resource>/.default scope.`,
    );
  const only = scopes[0] ?? '';
  if (!only.endsWith('/.default')) {
    throw reject(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${only} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resourceId = only.slice(0, -'/.default'.length);
  const resource = findResource(tenant, resourceId);
  if (!resource) {
    throw reject(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resourceId} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  return resource;
}

function assertionOf(params: URLSearchParams): string | undefined {
  const assertion = params.get('client_assertion');
  if (assertion === null) return undefined;
  const type = params.get('client_assertion_type');
  if (type === null) throw missing('client_assertion_type');
  if (type !== JWT_BEARER_ASSERTION_TYPE) {
    throw reject(
      400,
      'invalid_request',
      50027,
      `Invalid client_assertion_type '${type}'; expected '${JWT_BEARER_ASSERTION_TYPE}'.`,
    );
  }
  return assertion;
}

async function authenticateBlueprint(
  ctx: TokenEndpointContext,
  blueprint: Blueprint,
  params: URLSearchParams,
): Promise<CredentialKind> {
  const secret = params.get('client_secret');
  const assertion = assertionOf(params);
  if (secret === null && assertion === undefined) {
    throw reject(
      400,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  if (assertion !== undefined) {
    if (isCertificateAssertion(assertion)) {
      await verifyCertificateAssertion(ctx, blueprint, assertion);
      return 'certificate';
    }
    await verifyFederatedAssertion(
      { origin: ctx.origin, tenant: ctx.tenant, key: ctx.key, external: ctx.external },
      blueprint,
      assertion,
    );
    return 'federated';
  }
  if (!blueprint.clientSecrets.some((s) => safeEqual(s, secret ?? ''))) {
    throw reject(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${blueprint.clientId}'.`,
    );
  }
  return 'secret';
}

/** Certificate assertions name their certificate by thumbprint; federated tokens do not. */
function isCertificateAssertion(assertion: string): boolean {
  try {
    const header = decodeProtectedHeader(assertion);
    return typeof header['x5t#S256'] === 'string' || typeof header.x5t === 'string';
  } catch {
    return true; // malformed: the certificate path explains it
  }
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** A certificate assertion (shared docs §3): registered certificate, signature, iss/sub/aud, lifetime (numeric strings accepted). */
async function verifyCertificateAssertion(
  ctx: TokenEndpointContext,
  blueprint: Blueprint,
  assertion: string,
): Promise<void> {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(assertion) as Record<string, unknown>;
  } catch {
    throw reject(400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  }
  const x5tS256 = header['x5t#S256'];
  const x5t = header.x5t;
  const cert = blueprint.certificates.find(
    (c) => (typeof x5tS256 === 'string' && c.x5tS256 === x5tS256) || (typeof x5t === 'string' && c.x5t === x5t),
  );
  if (!cert) {
    throw reject(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(x5tS256 ?? x5t ?? '')}']`,
    );
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(assertion, cert.publicKey, { algorithms: ['PS256', 'RS256'] }));
  } catch {
    throw reject(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  }
  const claims = parseClaims(payload);
  if (claims.iss !== blueprint.clientId && String(claims.iss).toLowerCase() !== blueprint.clientId) {
    throw reject(
      401,
      'invalid_client',
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  }
  if (claims.sub !== claims.iss)
    throw reject(401, 'invalid_client', 50048, 'Subject mismatches Issuer claim in the client assertion.');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const accepted = acceptedAudiences(ctx);
  if (!audiences.some((a) => typeof a === 'string' && accepted.has(a.toLowerCase()))) {
    throw reject(
      401,
      'invalid_client',
      50027,
      `JWT token is invalid or malformed: the audience '${String(claims.aud)}' is not the token endpoint of this tenant.`,
    );
  }
  checkLifetime(claims, 'Client assertion');
}

/** Where the token endpoint can be named: by tenant id or any domain, v2 or v1 path. */
function acceptedAudiences(ctx: TokenEndpointContext): Set<string> {
  const names = new Set([ctx.tenant.id, ...ctx.tenant.domains, ctx.tenantInPath.toLowerCase()]);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${ctx.origin}/${n}/oauth2/v2.0/token`.toLowerCase());
    out.add(`${ctx.origin}/${n}/oauth2/token`.toLowerCase());
  }
  return out;
}

/** An agent identity authenticates only with T1: a token this tenant issued to its parent blueprint for it. */
async function authenticateAgent(
  ctx: TokenEndpointContext,
  agent: Agent,
  params: URLSearchParams,
): Promise<CredentialKind> {
  if (params.get('client_secret') !== null) {
    throw reject(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided: agent identity '${agent.clientId}' holds no credential of its own; present T1 from its blueprint as client_assertion.`,
    );
  }
  const assertion = assertionOf(params);
  if (assertion === undefined) {
    throw reject(
      400,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(assertion, ctx.key.publicKey, { algorithms: ['RS256'] }));
  } catch {
    throw reject(
      401,
      'invalid_client',
      700027,
      'Client assertion failed signature validation: it was not issued by this tenant.',
    );
  }
  const claims = parseClaims(payload);
  if (claims.iss !== issuerV2(ctx.origin, ctx.tenant.id)) {
    throw reject(
      400,
      'invalid_client',
      700211,
      `No matching federated identity record found for presented assertion issuer '${String(claims.iss)}'. T1 must come from the agent identity's home tenant.`,
    );
  }
  if (claims.aud !== TOKEN_EXCHANGE_APP_ID) {
    throw reject(
      400,
      'invalid_client',
      700212,
      `No matching federated identity record found for presented assertion audience '${String(claims.aud)}'.`,
    );
  }
  if (claims.idtyp !== 'app')
    throw reject(
      400,
      'invalid_client',
      700229,
      'Only app-only tokens can be used as federated identity credentials for an Entra issuer.',
    );
  checkLifetime(claims, 'Client assertion');
  const expected = fmiSubject(ctx.tenant.id, agent.blueprint.clientId, agent.clientId);
  if (claims.azp !== agent.blueprint.clientId || claims.sub !== expected) {
    throw reject(
      400,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${String(claims.sub)}'. T1 must be requested by the parent blueprint with fmi_path '${agent.clientId}'.`,
    );
  }
  return 'federated';
}

function parseClaims(payload: Uint8Array): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw reject(400, 'invalid_client', 50027, 'JWT token is invalid or malformed: the payload is not a JSON object.');
}

/** MSAL.NET writes nbf/exp as JSON strings: accept numeric strings (shared docs §3). */
function numericDate(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function checkLifetime(claims: Record<string, unknown>, what: string): void {
  const now = Date.now() / 1000;
  const exp = numericDate(claims.exp);
  const nbf = numericDate(claims.nbf);
  if (exp === undefined)
    throw reject(400, 'invalid_client', 50027, `JWT token is invalid or malformed: ${what} has no valid 'exp' claim.`);
  if (exp + SKEW_SECONDS < now || (nbf !== undefined && nbf - SKEW_SECONDS > now)) {
    throw reject(
      400,
      'invalid_client',
      700024,
      `${what} is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}.`,
    );
  }
}

function userContext(ctx: TokenEndpointContext): UserGrantContext {
  return {
    origin: ctx.origin,
    tenant: ctx.tenant,
    key: ctx.key,
    lifetimeSeconds: ctx.directory.accessTokenLifetimeSeconds,
  };
}

/** The agent identity named by client_id, authenticated by its T1. */
async function agentClient(ctx: TokenEndpointContext, params: URLSearchParams): Promise<Agent> {
  const clientId = params.get('client_id');
  if (!clientId) throw missing('client_id');
  const agent = ctx.tenant.agents.get(clientId.toLowerCase());
  if (!agent) {
    if (ctx.tenant.blueprints.has(clientId.toLowerCase()))
      throw reject(
        400,
        'unauthorized_client',
        82001,
        'This grant is for agent identities: the blueprint gets T1, the agent identity presents it.',
      );
    throw reject(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${ctx.tenant.displayName}'.`,
    );
  }
  if (agent.disabled)
    throw reject(
      400,
      'unauthorized_client',
      7000112,
      `Application '${agent.clientId}'(${agent.displayName}) is disabled.`,
    );
  await authenticateAgent(ctx, agent, params);
  return agent;
}

/**
 * Sandbox only: the resource-owner password grant for the sandbox's public client, so a test or a user can get a
 * user token (Tc) for the on-behalf-of flow without a browser. Agent identities never use it.
 */
/**
 * A local agent redeems its code (agent-id-2026 §2 [I], as any public client does): no credential, the PKCE verifier,
 * the same client and redirect URI; once, before it expires. The answer is the user's token for the resource.
 */
async function authorizationCodeGrant(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const clientId = (params.get('client_id') ?? '').toLowerCase();
  if (!clientId) throw missing('client_id');
  const codeValue = params.get('code');
  if (!codeValue) throw missing('code');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) throw missing('redirect_uri');
  if (params.has('client_secret') || params.has('client_assertion'))
    throw reject(
      401,
      'invalid_client',
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    );
  const code = ctx.authorize.codes.get(codeValue);
  if (!code || code.clientId !== clientId)
    throw reject(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
  if (code.redeemed)
    throw reject(
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    );
  if (code.expiresAtMs < Date.now())
    throw reject(
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    );
  // [I] The code is bound to its redirect URI as RFC 6749 §4.1.3 says; Entra's code for a mismatch is not documented.
  if (redirectUri !== code.redirectUri)
    throw reject(
      400,
      'invalid_grant',
      70000,
      "The provided value for the 'redirect_uri' is not valid: it differs from the one the code was issued to.",
    );
  const verifier = params.get('code_verifier');
  if (!verifier || !verifierMatches(verifier, code.challenge))
    throw reject(
      400,
      'invalid_grant',
      50148,
      'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    );
  code.redeemed = true;
  const blueprint = ctx.tenant.blueprints.get(clientId);
  const user = ctx.tenant.users.find((u) => u.id === code.userId);
  const resource = ctx.tenant.resources.find((r) => r.appId === code.resourceAppId);
  if (!blueprint || !user || !resource)
    throw reject(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
  const uc = userContext(ctx);
  const claims = userTokenClaims(uc, user, { clientId, displayName: blueprint.displayName, acr: '0' }, resource, [
    ...code.scopes,
  ]);
  const accessToken = await signToken(ctx.key, claims);
  const extra = code.oidc ? await idTokenAndClientInfo(uc, user, clientId, false, code.nonce) : {};
  return tokenResponse(accessToken, uc.lifetimeSeconds, { scope: code.scopes.join(' '), extra });
}

async function passwordGrant(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const clientId = params.get('client_id');
  if (!clientId) throw missing('client_id');
  if (!ctx.tenant.publicClients.has(clientId.toLowerCase())) {
    throw reject(
      400,
      'unauthorized_client',
      70003,
      "The password grant is allowed only for the sandbox's public client (sandbox only; agent identities cannot use it).",
    );
  }
  const username = params.get('username');
  const password = params.get('password');
  const scope = params.get('scope');
  if (!username) throw missing('username');
  if (!password) throw missing('password');
  if (!scope) throw missing('scope');
  const user = ctx.tenant.users.find((u) => u.userPrincipalName === username.toLowerCase());
  if (!user || !user.password || user.identityParentId || !safeEqual(user.password, password)) {
    throw reject(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
  }
  const { resource, names, oidc } = parseDelegatedScopes(ctx.tenant, scope);
  const scopes = names.includes('.default') ? ['access_as_user'] : names;
  const uc = userContext(ctx);
  const claims = userTokenClaims(
    uc,
    user,
    { clientId: clientId.toLowerCase(), displayName: 'Sandbox sign-in', acr: '0' },
    resource,
    scopes,
  );
  const accessToken = await signToken(ctx.key, claims);
  const extra = oidc
    ? await idTokenAndClientInfo(uc, user, clientId.toLowerCase(), params.get('client_info') === '1')
    : {};
  return tokenResponse(accessToken, uc.lifetimeSeconds, { scope: scopes.join(' '), extra });
}

/**
 * A delegated token for an agent acting for a user (on-behalf-of, or its agent user), with the refresh token that
 * renews it: the same claims and grant, only the agent facets differ by flow.
 */
async function agentUserTokens(
  ctx: TokenEndpointContext,
  uc: UserGrantContext,
  agent: Agent,
  user: User,
  resource: Resource,
  scopes: string[],
  facets: RefreshGrant['agentFacets'],
): Promise<{ accessToken: string; refreshToken: string }> {
  const claims = userTokenClaims(
    uc,
    user,
    { clientId: agent.clientId, displayName: agent.displayName, acr: '2' },
    resource,
    scopes,
    facets,
  );
  const accessToken = await signToken(ctx.key, claims);
  const refreshToken = newRefreshToken(ctx, {
    agentId: agent.clientId,
    userId: user.id,
    resourceAppId: resource.appId,
    scopes,
    agentFacets: facets,
  });
  return { accessToken, refreshToken };
}

/** On-behalf-of (shared docs §1): the agent, authenticated by T1, trades the user's token Tc for one for the resource. */
async function onBehalfOfGrant(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const assertion = params.get('assertion');
  if (!assertion) throw missing('assertion');
  if (params.get('requested_token_use') !== 'on_behalf_of') throw missing('requested_token_use');
  const scope = params.get('scope');
  if (!scope) throw missing('scope');
  const agent = await agentClient(ctx, params);
  const uc = userContext(ctx);
  const tc = await verifyOwnToken(
    uc,
    assertion,
    reject(400, 'invalid_grant', 50013, 'Assertion failed signature validation or was not issued by this tenant.'),
  );
  if (tc.idtyp !== 'user')
    throw reject(
      400,
      'invalid_grant',
      50013,
      'Assertion is not a user token: the on-behalf-of flow needs a token a user signed in for.',
    );
  if (expired(tc)) throw reject(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range.');
  const blueprintId = agent.blueprint.clientId;
  if (tc.aud !== blueprintId && tc.aud !== `api://${blueprintId}`) {
    throw reject(
      400,
      'invalid_grant',
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${String(tc.aud)}' and the expected audience is '${blueprintId}' or one of the Application Id URIs of this application.`,
    );
  }
  const user = ctx.tenant.users.find((u) => u.id === tc.oid);
  if (!user) throw reject(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  const { resource, names } = parseDelegatedScopes(ctx.tenant, scope);
  const scopes = consentedScopes(agent, resource, names);
  const { accessToken, refreshToken } = await agentUserTokens(ctx, uc, agent, user, resource, scopes, {
    act: '11',
    sub: '1',
    parent: blueprintId,
  });
  return tokenResponse(accessToken, uc.lifetimeSeconds, { scope: scopes.join(' '), refreshToken });
}

/** Agent user, leg 3 (shared docs §1, MSAL's wire format): T1 authenticates the agent, T2 is the user's federated credential. */
async function userFicGrant(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const t2 = params.get('user_federated_identity_credential');
  if (!t2) throw missing('user_federated_identity_credential');
  const userId = params.get('user_id');
  const username = params.get('username');
  if (!userId && !username) throw missing('user_id');
  const scope = params.get('scope');
  if (!scope) throw missing('scope');
  const agent = await agentClient(ctx, params);
  const uc = userContext(ctx);
  const claims2 = await verifyOwnToken(
    uc,
    t2,
    reject(
      400,
      'invalid_grant',
      700027,
      'The user federated identity credential failed signature validation: it was not issued by this tenant.',
    ),
  );
  if (!isExchangeAudience(claims2.aud))
    throw reject(
      400,
      'invalid_grant',
      700212,
      `No matching federated identity record found for presented assertion audience '${String(claims2.aud)}': T2 must be for api://AzureADTokenExchange.`,
    );
  if (expired(claims2))
    throw reject(
      400,
      'invalid_grant',
      700024,
      'The user federated identity credential is not within its valid time range.',
    );
  if (claims2.azp !== agent.clientId || claims2.idtyp !== 'app') {
    throw reject(
      400,
      'invalid_grant',
      700213,
      `No matching federated identity record found for presented assertion subject '${String(claims2.sub)}': T2 must be the agent identity's own exchange token (leg 2, no fmi_path).`,
    );
  }
  const user = ctx.tenant.users.find((u) =>
    userId ? u.id === userId.toLowerCase() : u.userPrincipalName === username!.toLowerCase(),
  );
  if (!user)
    throw reject(
      400,
      'invalid_grant',
      50034,
      `The user account ${userId ?? username} does not exist in the ${ctx.tenant.displayName} directory.`,
    );
  if (user.identityParentId !== agent.clientId) {
    throw reject(
      400,
      'invalid_grant',
      50034,
      `The user account ${user.userPrincipalName} is not an agent user of agent identity '${agent.clientId}' (its identity parent must be that agent).`,
    );
  }
  const { resource, names, oidc } = parseDelegatedScopes(ctx.tenant, scope);
  const scopes = consentedScopes(agent, resource, names);
  const { accessToken, refreshToken } = await agentUserTokens(ctx, uc, agent, user, resource, scopes, {
    act: '1 9 11',
    sub: '1 13',
    parent: agent.blueprint.clientId,
  });
  const extra = oidc ? await idTokenAndClientInfo(uc, user, agent.clientId, params.get('client_info') === '1') : {};
  return tokenResponse(accessToken, uc.lifetimeSeconds, {
    scope: [...scopes, ...(oidc ? ['openid', 'profile', 'offline_access'] : [])].join(' '),
    refreshToken,
    extra,
  });
}

function newRefreshToken(ctx: TokenEndpointContext, grant: RefreshGrant): string {
  const token = `sbx.${randomBytes(48).toString('base64url')}`;
  if (ctx.refreshTokens.size >= 10_000) ctx.refreshTokens.delete(ctx.refreshTokens.keys().next().value as string);
  ctx.refreshTokens.set(token, grant);
  return token;
}

/** The agent refresh-token leg (shared docs §1): T1 authenticates the agent; the refresh token is rotated. */
async function refreshGrant(ctx: TokenEndpointContext, params: URLSearchParams): Promise<EndpointResponse> {
  const refreshToken = params.get('refresh_token');
  if (!refreshToken) throw missing('refresh_token');
  const scope = params.get('scope');
  if (!scope) throw missing('scope');
  const agent = await agentClient(ctx, params);
  const grant = ctx.refreshTokens.get(refreshToken);
  if (!grant || grant.agentId !== agent.clientId)
    throw reject(
      400,
      'invalid_grant',
      70000,
      "The provided value for the input parameter 'refresh_token' is not valid: it was not issued to this agent identity, or it was already used.",
    );
  const user = ctx.tenant.users.find((u) => u.id === grant.userId);
  const resource = ctx.tenant.resources.find((r) => r.appId === grant.resourceAppId);
  if (!user || !resource)
    throw reject(
      400,
      'invalid_grant',
      70000,
      'The refresh token no longer matches a user or resource in the directory.',
    );
  ctx.refreshTokens.delete(refreshToken);
  const uc = userContext(ctx);
  const claims = userTokenClaims(
    uc,
    user,
    { clientId: agent.clientId, displayName: agent.displayName, acr: '2' },
    resource,
    grant.scopes,
    grant.agentFacets,
  );
  const accessToken = await signToken(ctx.key, claims);
  return tokenResponse(accessToken, uc.lifetimeSeconds, {
    scope: grant.scopes.join(' '),
    refreshToken: newRefreshToken(ctx, grant),
  });
}
