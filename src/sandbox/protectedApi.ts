// The sandbox's sample protected APIs (`{sandbox}/apis/NAME/…`): each validates a bearer token the way an
// Entra-protected resource does (signature by the tenant's key, issuer, audience, lifetime, then an app role or a
// delegated scope) and answers 401/403 with the WWW-Authenticate challenges such APIs send, including the RFC 9728
// `resource_metadata` of its protected-resource document. One sandbox agent has the role; the other does not.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Directory } from './directory';
import { issuerV1, issuerV2, type SigningKey } from './issuer';

export interface ProtectedApi {
  readonly name: string;
  readonly resource: string;
  readonly appId: string;
  readonly tenantId: string;
  /** The app role (app-only tokens) or delegated scope (user tokens) every call needs. */
  readonly permission: string;
}

/** What each sample API requires, by name: `api://sandbox-NAME` in the directory's first tenant. */
const PERMISSIONS: Readonly<Record<string, string>> = { weather: 'Forecast.Read' };

export function protectedApis(directory: Directory): ProtectedApi[] {
  const tenant = directory.tenants[0];
  return (tenant?.resources ?? []).flatMap((r) => {
    const name = /^api:\/\/sandbox-([a-z0-9-]{1,40})$/.exec(r.identifierUri)?.[1];
    const permission = name ? PERMISSIONS[name] : undefined;
    return name && permission
      ? [{ name, resource: r.identifierUri, appId: r.appId, tenantId: tenant!.id, permission }]
      : [];
  });
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** RFC 9728 §3: the metadata document's URL for a resource at `{origin}/apis/NAME`. */
export function metadataUrl(origin: string, api: ProtectedApi): string {
  return `${origin}/.well-known/oauth-protected-resource/apis/${api.name}`;
}

export function protectedResourceMetadata(origin: string, api: ProtectedApi): unknown {
  return {
    resource: api.resource,
    authorization_servers: [issuerV2(origin, api.tenantId)],
    scopes_supported: [`${api.resource}/.default`, `${api.resource}/${api.permission}`],
    bearer_methods_supported: ['header'],
    resource_name: `Sandbox ${api.name} API`,
  };
}

/** A call to the API: the token checked as a resource checks it, then a small answer that names the caller. */
export async function answerApiCall(
  origin: string,
  api: ProtectedApi,
  key: SigningKey,
  authorization: string | undefined,
  path: string,
): Promise<ApiAnswer> {
  const challenge = (extra: string) => ({
    'www-authenticate': `Bearer realm="${api.resource}"${extra}, resource_metadata="${metadataUrl(origin, api)}"`,
  });
  const bearer = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(authorization ?? '')?.[1];
  if (!bearer)
    return {
      status: 401,
      headers: challenge(''),
      body: { error: 'unauthorized', message: 'A bearer token is required: Authorization: Bearer <token>.' },
    };
  let claims: JWTPayload;
  try {
    claims = (
      await jwtVerify(bearer, key.publicKey, {
        algorithms: ['RS256'],
        issuer: [issuerV2(origin, api.tenantId), issuerV1(origin, api.tenantId)],
        audience: [api.appId, api.resource],
      })
    ).payload;
  } catch (e) {
    const description = describeJoseError(e);
    return {
      status: 401,
      headers: challenge(`, error="invalid_token", error_description="${description}"`),
      body: { error: 'invalid_token', message: description },
    };
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  const appOnly = claims.idtyp === 'app' || scopes.length === 0;
  if (!(appOnly ? roles : scopes).includes(api.permission))
    return {
      status: 403,
      headers: challenge(`, error="insufficient_scope", scope="${api.permission}"`),
      body: {
        error: 'insufficient_scope',
        message: `This call needs the ${appOnly ? 'app role' : 'delegated scope'} ${api.permission}.`,
      },
    };
  return {
    status: 200,
    headers: {},
    body: {
      api: api.name,
      path: `/${path}`,
      caller: claims.azp ?? claims.appid,
      ...(claims.xms_par_app_azp ? { parentBlueprint: claims.xms_par_app_azp } : {}),
      forecast: [
        { day: 'today', summary: 'Sunny', celsius: 21 },
        { day: 'tomorrow', summary: 'Showers', celsius: 17 },
      ],
    },
  };
}

/** What went wrong with the token, in the words an API's error_description would use (quotes left out). */
function describeJoseError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'The token is expired.';
  if (e instanceof joseErrors.JWTClaimValidationFailed)
    return e.claim === 'aud'
      ? 'The audience is not this API.'
      : e.claim === 'iss'
        ? 'The issuer is not this tenant.'
        : `The ${e.claim} claim is not valid.`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'The signature is not valid.';
  return 'The token could not be validated.';
}
