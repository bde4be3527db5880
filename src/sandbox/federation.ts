import { randomBytes, randomUUID } from 'node:crypto';
import { compactVerify, decodeJwt } from 'jose';
import { TOKEN_EXCHANGE_APP_ID } from '../core/config/config';
import type { Blueprint, Tenant } from './directory';
import { issuerV2, signToken, type SigningKey } from './issuer';
import { reject } from './userGrants';

/**
 * The sandbox as an external OIDC issuer (the role GitHub Actions or an AKS cluster plays): it signs workload tokens
 * that a blueprint's federated credential can trust, at `{origin}/external`, with keys of its own.
 */
export class ExternalIssuer {
  constructor(
    readonly url: string,
    readonly key: SigningKey,
  ) {}

  issue(subject: string, audience = 'api://AzureADTokenExchange', lifetimeSeconds = 3600): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signToken(this.key, {
      iss: this.url,
      sub: subject,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + lifetimeSeconds,
      jti: randomUUID(),
    });
  }

  metadata() {
    return {
      issuer: this.url,
      jwks_uri: `${this.url}/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }
}

export interface FederationContext {
  readonly origin: string;
  readonly tenant: Tenant;
  readonly key: SigningKey;
  readonly external: ExternalIssuer;
}

const SKEW_SECONDS = 300;

/** A federated assertion for a blueprint (shared docs §3): issuer, subject and audience must match one of its FICs. */
export async function verifyFederatedAssertion(
  ctx: FederationContext,
  blueprint: Blueprint,
  assertion: string,
): Promise<void> {
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw reject(400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  }
  // Directory files write "{authority}" for the sandbox's own origin, which is known only once it listens.
  const candidates = blueprint.federatedCredentials
    .map((f) => ({ ...f, issuer: f.issuer.replace('{authority}', ctx.origin) }))
    .filter((f) => f.issuer === iss);
  if (candidates.length === 0) {
    throw reject(
      400,
      'invalid_client',
      700211,
      `No matching federated identity record found for presented assertion issuer '${String(iss)}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    );
  }
  const entraIssuer = issuerV2(ctx.origin, ctx.tenant.id);
  // Only issuers the sandbox runs itself can be verified here: its tenant (managed identities) and its external issuer.
  const key =
    iss === ctx.external.url ? ctx.external.key.publicKey : iss === entraIssuer ? ctx.key.publicKey : undefined;
  if (!key)
    throw reject(
      400,
      'invalid_client',
      700211,
      `The sandbox cannot fetch keys for issuer '${String(iss)}': it trusts only its own tenant and ${ctx.external.url}.`,
    );
  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(assertion, key, { algorithms: ['RS256'] });
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    throw reject(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  }
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < now) {
    throw reject(
      400,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range: the federated token expired${typeof claims.exp === 'number' ? ` at ${new Date(claims.exp * 1000).toISOString()}` : ''}.`,
    );
  }
  if (iss === entraIssuer && claims.idtyp !== 'app')
    throw reject(
      400,
      'invalid_client',
      700229,
      'Only app-only tokens can be used as federated identity credentials for an Entra issuer.',
    );
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map(String);
  // Entra's own tokens for api://AzureADTokenExchange carry the exchange app's id as audience.
  const matchesAudience = (f: (typeof candidates)[number]) =>
    audiences.some(
      (a) =>
        f.audiences.includes(a) || (a === TOKEN_EXCHANGE_APP_ID && f.audiences.includes('api://AzureADTokenExchange')),
    );
  const byAudience = candidates.filter(matchesAudience);
  if (byAudience.length === 0)
    throw reject(
      400,
      'invalid_client',
      700212,
      `No matching federated identity record found for presented assertion audience '${audiences.join(' ')}'.`,
    );
  if (!byAudience.some((f) => f.subject === claims.sub))
    throw reject(
      400,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${String(claims.sub)}'.`,
    );
}

/**
 * Azure's managed-identity endpoint, App Service protocol (2019-08-01): `GET ?resource=…&client_id=…` with the
 * X-IDENTITY-HEADER secret; answers `{access_token, expires_on, resource, token_type, client_id}`. Tokens are issued by
 * the tenant, like real MI tokens for api://AzureADTokenExchange (aud = the exchange app's id, sub = the MI's object id).
 */
export async function managedIdentityToken(ctx: FederationContext, resource: string, clientId: string | undefined) {
  const identities = ctx.tenant.managedIdentities;
  const mi = clientId ? identities.find((m) => m.clientId === clientId.toLowerCase()) : identities[0];
  if (!mi) return undefined;
  const now = Math.floor(Date.now() / 1000);
  const aud = resource.replace(/\/\.default$/, '') === 'api://AzureADTokenExchange' ? TOKEN_EXCHANGE_APP_ID : resource;
  const expiresOn = now + 24 * 3600;
  const token = await signToken(ctx.key, {
    aud,
    iss: issuerV2(ctx.origin, ctx.tenant.id),
    iat: now,
    nbf: now,
    exp: expiresOn,
    azp: mi.clientId,
    azpacr: '2',
    idtyp: 'app',
    oid: mi.objectId,
    sub: mi.objectId,
    tid: ctx.tenant.id,
    uti: randomBytes(16).toString('base64url'),
    ver: '2.0',
    xms_mirid: `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/sandbox/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${mi.clientId}`,
  });
  return { access_token: token, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: mi.clientId };
}
