import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  CompactSign,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { TOKEN_EXCHANGE_APP_ID } from '../core/config/config';
import type { Agent, Blueprint, Resource, Tenant } from './directory';
import { grantsFor, inheritedRoles } from './inheritance';

/** The sandbox's signing key: RS256, its kid published in every tenant's JWKS. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { kty: pub.kty, use: 'sig', kid, x5t: kid, n: pub.n, e: pub.e, alg: 'RS256' },
  };
}

/** Issuers the way Entra writes them, with the sandbox's origin in place of login.microsoftonline.com / sts.windows.net. */
export function issuerV2(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}
export function issuerV1(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/`;
}

/** base64url of a GUID's little-endian (.NET) bytes, as in the fmi-path `sub` of T1 (shared docs §2). */
export function guidToBase64UrlLe(guid: string): string {
  const hex = guid.replace(/-/g, '');
  const bytes = Buffer.from(hex, 'hex');
  const le = Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]);
  return le.toString('base64url');
}

export function fmiSubject(tenantId: string, blueprintId: string, fmiPath: string): string {
  return `/eid1/c/pub/t/${guidToBase64UrlLe(tenantId)}/a/${guidToBase64UrlLe(blueprintId)}/${fmiPath}`;
}

export type CredentialKind = 'secret' | 'certificate' | 'federated';

interface IssueContext {
  readonly origin: string;
  readonly tenant: Tenant;
  readonly lifetimeSeconds: number;
  readonly now: number;
}

function common(ctx: IssueContext) {
  return {
    iat: ctx.now,
    nbf: ctx.now,
    exp: ctx.now + ctx.lifetimeSeconds,
    tid: ctx.tenant.id,
    aio: randomBytes(48).toString('base64url'),
    rh: `1.${randomBytes(30).toString('base64url')}.`,
    uti: randomBytes(16).toString('base64url'),
  };
}

/** `azpacr`/`appidacr`: 1 = secret, 2 = certificate or federated assertion. */
function acr(kind: CredentialKind): '1' | '2' {
  return kind === 'secret' ? '1' : '2';
}

/** T1: the blueprint's token for the token-exchange app, naming the agent identity in `sub` (shared docs §2). */
export function t1Claims(
  ctx: IssueContext,
  blueprint: Blueprint,
  fmiPath: string,
  credential: CredentialKind,
): Record<string, unknown> {
  return {
    aud: TOKEN_EXCHANGE_APP_ID,
    iss: issuerV2(ctx.origin, ctx.tenant.id),
    ...common(ctx),
    azp: blueprint.clientId,
    azpacr: acr(credential),
    idtyp: 'app',
    oid: blueprint.objectId,
    sub: fmiSubject(ctx.tenant.id, blueprint.clientId, fmiPath),
    ver: '2.0',
    xms_act_fct: '1 9',
    xms_sub_fct: '1 9',
    xms_ficinfo: randomBytes(24).toString('base64url'),
    xms_idrel: '7 26',
  };
}

/** An app-only token for a client (blueprint or agent identity) and a resource, shaped by the resource's token version. */
export function appTokenClaims(
  ctx: IssueContext,
  client: Blueprint | Agent,
  resource: Resource,
  credential: CredentialKind,
): Record<string, unknown> {
  const isAgent = 'blueprint' in client;
  // A classic agent identity's object id equals its app id; a single-instance one's is its own.
  const objectId = client.objectId;
  // [I] A single-instance agent is its own parent app (one client id): no xms_par_app_azp (agent-id-2026 §1).
  const parent = isAgent && client.clientId !== client.blueprint.clientId ? client.blueprint.clientId : undefined;
  const roles = rolesFor(client, resource);
  const v1 = resource.accessTokenVersion === 1;
  return {
    aud: v1 ? resource.identifierUri : resource.appId,
    iss: v1 ? issuerV1(ctx.origin, ctx.tenant.id) : issuerV2(ctx.origin, ctx.tenant.id),
    ...common(ctx),
    ...(v1
      ? { app_displayname: client.displayName, appid: client.clientId, appidacr: acr(credential) }
      : { azp: client.clientId, azpacr: acr(credential) }),
    idp: v1 ? `${issuerV1(ctx.origin, ctx.tenant.id)}` : undefined,
    idtyp: 'app',
    oid: objectId,
    ...(roles.length ? { roles } : {}),
    sub: objectId,
    ver: v1 ? '1.0' : '2.0',
    ...(isAgent
      ? { xms_act_fct: '11 9 1', xms_sub_fct: '11 1 9', ...(parent ? { xms_par_app_azp: parent } : {}) }
      : {}),
    xms_idrel: isAgent ? '7 14' : '7 26',
  };
}

/** Its own roles on the resource, and for an agent identity what it inherits from its blueprint (both halves held). */
function rolesFor(client: Agent | Blueprint, resource: Resource): string[] {
  const own = grantsFor(client.roles, resource);
  return 'blueprint' in client ? [...new Set([...own, ...inheritedRoles(client, resource)])] : own;
}

/** Microsoft Graph's audiences: its identifier URI (v1 tokens, as Entra issues them) and its app id. */
export const GRAPH_AUDIENCES: readonly string[] = [
  'https://graph.microsoft.com',
  'https://graph.microsoft.com/',
  '00000003-0000-0000-c000-000000000000',
];

export async function signToken(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  const defined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  if (typeof defined.aud === 'string' && GRAPH_AUDIENCES.includes(defined.aud)) return signGraphToken(key, defined);
  return new SignJWT(defined).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

/** What is signed in place of a Graph token's header nonce: its SHA-256, base64url. */
export function graphNonceHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}

/**
 * A Microsoft Graph token as Entra makes one (shared docs, "Graph tokens cannot be signature-verified by third
 * parties"): the header carries a `nonce`, and the signature is over the header with the nonce's SHA-256 in its place.
 * Anyone checking the token as it is sees a bad signature; only Graph (here, the sandbox's Graph) knows to hash first.
 */
async function signGraphToken(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  const nonce = randomBytes(32).toString('base64url');
  const header = { typ: 'JWT', nonce, alg: 'RS256', x5t: key.kid, kid: key.kid };
  const signed = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ ...header, nonce: graphNonceHash(nonce) })
    .sign(key.privateKey);
  const [, payload, signature] = signed.split('.');
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
}

/** The token Graph actually verifies: its header's nonce replaced by the nonce's hash (undefined if it has none). */
export function graphSignedForm(token: string): string | undefined {
  const [head, payload, signature] = token.split('.');
  if (!head || !payload || !signature) return undefined;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof header.nonce !== 'string') return undefined;
  const hashed = { ...header, nonce: graphNonceHash(header.nonce) };
  return `${Buffer.from(JSON.stringify(hashed)).toString('base64url')}.${payload}.${signature}`;
}

/** Entra's error body (shared docs §4): description "AADSTSnnnn: … Trace ID … Correlation ID … Timestamp …". */
export function errorBody(
  origin: string,
  error: string,
  code: number,
  message: string,
  correlationId: string = randomUUID(),
  suberror?: string,
) {
  const traceId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${origin}/error?code=${code}`,
    ...(suberror ? { suberror } : {}),
  };
}
