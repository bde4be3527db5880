import { createHash, randomBytes } from 'node:crypto';
import { compactVerify } from 'jose';
import { TOKEN_EXCHANGE_APP_ID } from '../core/config/config';
import { findResource, type Agent, type Resource, type Tenant, type User } from './directory';
import { issuerV1, issuerV2, signToken, type SigningKey } from './issuer';
import { grantsFor, inheritedScopes } from './inheritance';

/** A rejected request, as Entra would word it (thrown, turned into an error body by the token endpoint). */
export class Reject {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly message: string,
    readonly suberror?: string,
  ) {}
}

export const reject = (status: number, error: string, code: number, message: string, suberror?: string) =>
  new Reject(status, error, code, message, suberror);
export const missing = (name: string) =>
  reject(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

export interface UserGrantContext {
  readonly origin: string;
  readonly tenant: Tenant;
  readonly key: SigningKey;
  readonly lifetimeSeconds: number;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const SKEW_SECONDS = 300;

/** Delegated scopes: `<resource>/<name>` (or `/.default`) for one resource; OIDC scopes are set apart. */
export function parseDelegatedScopes(
  tenant: Tenant,
  scope: string,
): { resource: Resource; names: string[]; oidc: boolean } {
  const all = scope.trim().split(/\s+/).filter(Boolean);
  const oidc = all.some((s) => OIDC_SCOPES.has(s));
  const resourceScopes = all.filter((s) => !OIDC_SCOPES.has(s));
  if (resourceScopes.length === 0)
    throw reject(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid: '${scope}' names no resource.`,
    );
  let resource: Resource | undefined;
  const names: string[] = [];
  for (const s of resourceScopes) {
    const cut = s.lastIndexOf('/');
    if (cut <= 0)
      throw reject(
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid: '${s}' is not <resource>/<scope>.`,
      );
    const r = findResource(tenant, s.slice(0, cut));
    if (!r)
      throw reject(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${s.slice(0, cut)} was not found in the tenant named ${tenant.displayName}.`,
      );
    if (resource && resource !== r)
      throw reject(
        400,
        'invalid_scope',
        700022,
        `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
      );
    resource = r;
    names.push(s.slice(cut + 1));
  }
  return { resource: resource!, names, oidc };
}

/** The scopes an agent may use for users on a resource: `.default` means all consented ones. Missing consent → 65001. */
export function consentedScopes(agent: Agent, resource: Resource, names: string[]): string[] {
  // Its own consent, and what it inherits from its blueprint (listed as inheritable and consented to its principal).
  const granted = [...new Set([...grantsFor(agent.delegated, resource), ...inheritedScopes(agent, resource)])];
  if (names.includes('.default')) {
    if (granted.length === 0)
      throw reject(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${agent.clientId}' named '${agent.displayName}' for ${resource.displayName}.`,
        'consent_required',
      );
    return [...new Set(granted)];
  }
  const missingConsent = names.filter((n) => !granted.includes(n));
  if (missingConsent.length)
    throw reject(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${agent.clientId}' named '${agent.displayName}'. Send an interactive authorization request for this user and resource (missing: ${missingConsent.join(', ')}).`,
      'consent_required',
    );
  return names;
}

/** Pairwise subject, like Entra's: stable per (user, client). */
function pairwise(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}|${clientId}`).digest('base64url').slice(0, 43);
}

function base(ctx: UserGrantContext, now: number) {
  return {
    iat: now,
    nbf: now,
    exp: now + ctx.lifetimeSeconds,
    tid: ctx.tenant.id,
    aio: randomBytes(40).toString('base64url'),
    rh: `1.${randomBytes(30).toString('base64url')}.`,
    uti: randomBytes(16).toString('base64url'),
  };
}

/** A delegated token for a user, shaped by the resource's token version (shared docs §2, OBO and agent-user rows). */
export function userTokenClaims(
  ctx: UserGrantContext,
  user: User,
  client: { clientId: string; displayName: string; acr: '0' | '1' | '2' },
  resource: Resource,
  scopes: string[],
  agentFacets?: { act: string; sub: string; parent: string },
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const v1 = resource.accessTokenVersion === 1;
  return {
    aud: v1 ? resource.identifierUri : resource.appId,
    iss: v1 ? issuerV1(ctx.origin, ctx.tenant.id) : issuerV2(ctx.origin, ctx.tenant.id),
    ...base(ctx, now),
    ...(v1
      ? { app_displayname: client.displayName, appid: client.clientId, appidacr: client.acr }
      : { azp: client.clientId, azpacr: client.acr }),
    idtyp: 'user',
    name: user.displayName,
    oid: user.id,
    scp: scopes.join(' '),
    sub: pairwise(user.id, client.clientId),
    upn: user.userPrincipalName,
    ver: v1 ? '1.0' : '2.0',
    ...(agentFacets
      ? {
          xms_act_fct: agentFacets.act,
          xms_sub_fct: agentFacets.sub,
          xms_par_app_azp: agentFacets.parent,
          xms_tnt_fct: '1',
        }
      : {}),
    xms_idrel: '1 24',
  };
}

/** Verifies a token this tenant issued (Tc for OBO, T2 for agent users) and returns its claims. */
export async function verifyOwnToken(
  ctx: UserGrantContext,
  token: string,
  onInvalid: Reject,
): Promise<Record<string, unknown>> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, ctx.key.publicKey, { algorithms: ['RS256'] }));
  } catch {
    throw onInvalid;
  }
  const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  const issuers = [issuerV2(ctx.origin, ctx.tenant.id), issuerV1(ctx.origin, ctx.tenant.id)];
  if (!issuers.includes(String(claims.iss))) throw onInvalid;
  return claims;
}

export function expired(claims: Record<string, unknown>): boolean {
  return typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < Date.now() / 1000;
}

/** The id token and client_info MSAL expects when it asked for openid and client_info=1. */
export async function idTokenAndClientInfo(
  ctx: UserGrantContext,
  user: User,
  clientId: string,
  withClientInfo: boolean,
  nonce?: string,
) {
  const now = Math.floor(Date.now() / 1000);
  const idToken = await signToken(ctx.key, {
    aud: clientId,
    iss: issuerV2(ctx.origin, ctx.tenant.id),
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    sub: pairwise(user.id, clientId),
    tid: ctx.tenant.id,
    ver: '2.0',
    ...(nonce !== undefined ? { nonce } : {}),
  });
  const clientInfo = Buffer.from(JSON.stringify({ uid: user.id, utid: ctx.tenant.id })).toString('base64url');
  return { id_token: idToken, ...(withClientInfo ? { client_info: clientInfo } : {}) };
}

export const isExchangeAudience = (aud: unknown) => aud === TOKEN_EXCHANGE_APP_ID;
