// The sandbox's sample protected APIs (`{sandbox}/apis/NAME/…`): each validates a bearer token the way an
// Entra-protected resource does (signature by the tenant's key, issuer, audience, lifetime, then an app role or a
// delegated scope) and answers 401/403 with the WWW-Authenticate challenges such APIs send, including the RFC 9728
// `resource_metadata` of its protected-resource document. One sandbox agent has the role; the other does not.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { SANDBOX_API_NAMES } from '../core/api/sandboxApis';
import type { Directory } from './directory';
import { issuerV1, issuerV2, type SigningKey } from './issuer';

export interface ProtectedApi {
  readonly name: string;
  readonly resource: string;
  readonly appId: string;
  readonly tenantId: string;
  /** The app role (app-only tokens) or delegated scope (user tokens) every call needs. */
  readonly permission: string;
  /** Which issuers its validation accepts: both forms, or (a common mistake) only v2's. */
  readonly issuers: 'v1-and-v2' | 'v2-only';
  /** It refuses agent identities (tokens carrying xms_par_app_azp), as an API written before agents might. */
  readonly rejectsAgents: boolean;
}

interface ApiSpec {
  readonly permission: string;
  readonly issuers?: ProtectedApi['issuers'];
  readonly rejectsAgents?: boolean;
}

/**
 * The sample APIs, by name (`api://sandbox-NAME` in the directory's first tenant), each a lesson:
 * - weather: validates as it should; `/apis/weather/admin/…` also needs the Conditional Access authentication
 *   context c1 (a claims challenge no app-only token can meet);
 * - legacy: its registration issues v1 tokens but its code validates only the v2 issuer (the v1/v2 mismatch);
 * - partners: refuses agent identities with a plain 403.
 */
const APIS: Readonly<Record<(typeof SANDBOX_API_NAMES)[number], ApiSpec>> = {
  weather: { permission: 'Forecast.Read' },
  legacy: { permission: 'Legacy.Read', issuers: 'v2-only' },
  partners: { permission: 'Partners.Read', rejectsAgents: true },
};

/** The authentication context `/apis/weather/admin/…` requires (a Conditional Access step-up). */
export const STEP_UP_CONTEXT = 'c1';

export function protectedApis(directory: Directory): ProtectedApi[] {
  const tenant = directory.tenants[0];
  return (tenant?.resources ?? []).flatMap((r) => {
    const name = /^api:\/\/sandbox-([a-z0-9-]{1,40})$/.exec(r.identifierUri)?.[1];
    const spec = name && Object.hasOwn(APIS, name) ? APIS[name as keyof typeof APIS] : undefined;
    return name && spec
      ? [
          {
            name,
            resource: r.identifierUri,
            appId: r.appId,
            tenantId: tenant!.id,
            permission: spec.permission,
            issuers: spec.issuers ?? 'v1-and-v2',
            rejectsAgents: spec.rejectsAgents ?? false,
          },
        ]
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
        issuer:
          api.issuers === 'v2-only'
            ? [issuerV2(origin, api.tenantId)]
            : [issuerV2(origin, api.tenantId), issuerV1(origin, api.tenantId)],
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
  // An API that refuses agents checks that first, and says so in its own words (no challenge).
  if (api.rejectsAgents && claims.xms_par_app_azp)
    return {
      status: 403,
      headers: {},
      body: { error: 'forbidden', message: 'This API does not accept agent identities.' },
    };
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
  // A Conditional Access authentication context on the admin routes: a claims challenge (Entra's format).
  if (api.name === 'weather' && /^admin(\/|$)/.test(path) && !acrsOf(claims).includes(STEP_UP_CONTEXT)) {
    const claimsRequest = Buffer.from(
      JSON.stringify({ access_token: { acrs: { essential: true, value: STEP_UP_CONTEXT } } }),
    ).toString('base64');
    return {
      status: 401,
      headers: challenge(`, error="insufficient_claims", claims="${claimsRequest}"`),
      body: { error: 'insufficient_claims', message: 'This route needs the authentication context c1.' },
    };
  }
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

function acrsOf(claims: JWTPayload): string[] {
  return Array.isArray(claims.acrs) ? claims.acrs.map(String) : [];
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
