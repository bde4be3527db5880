// The sandbox's Microsoft Graph subset (`{sandbox}/graph/v1.0/…`, beta too): /me, /users, /users/{id}, /applications,
// /servicePrincipals/{id}, GET only. It checks tokens as Graph does — the signature over the hashed header nonce
// (issuer.ts), issuer, audience, lifetime, a calling identity that exists — then the permission each call needs (an
// app role for an app-only token, a delegated scope for a user token), and answers with Graph's own error bodies
// (`{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`) and headers.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Directory, Tenant } from './directory';
import { GRAPH_AUDIENCES, graphSignedForm, issuerV1, issuerV2, type SigningKey } from './issuer';

export interface GraphAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Graph's JSON content type, as it sends it. */
const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Which permissions let a call through, per kind of token (from Graph's permission references, least first). */
const PERMISSIONS = {
  me: {
    app: [],
    delegated: ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'],
  },
  users: {
    app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'],
  },
  applications: {
    app: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
    delegated: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
  },
} as const;

interface Caller {
  readonly claims: JWTPayload;
  readonly tenant: Tenant;
  readonly appOnly: boolean;
  readonly granted: readonly string[];
}

export async function answerGraph(
  origin: string,
  directory: Directory,
  key: SigningKey,
  request: { method: string; path: string; query: URLSearchParams; authorization?: string; clientRequestId?: string },
): Promise<GraphAnswer> {
  const requestId = randomUUID();
  const clientRequestId = request.clientRequestId?.slice(0, 100) || requestId;
  const headers = {
    'content-type': ODATA_JSON,
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '0' } }),
  };
  const error = (status: number, code: string, message: string, extra: Record<string, string> = {}): GraphAnswer => ({
    status,
    headers: { ...headers, ...extra },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': clientRequestId,
        },
      },
    },
  });
  const ok = (body: unknown): GraphAnswer => ({ status: 200, headers, body });

  const segments = request.path.split('/').filter(Boolean);
  const version = segments.shift();
  if (version !== 'v1.0' && version !== 'beta')
    return error(400, 'BadRequest', `Invalid version: ${String(version ?? '').slice(0, 40)}`);
  const base = `https://graph.microsoft.com/${version}`;

  // The token first, as Graph does: a 401 says nothing about the route.
  const challenge = {
    'www-authenticate': `Bearer realm="", authorization_uri="${origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  };
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '')?.[1];
  if (!bearer) return error(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
  const checked = await checkToken(origin, directory, key, bearer);
  if ('code' in checked)
    return error(401, checked.code, checked.message, checked.code === 'InvalidAuthenticationToken' ? challenge : {});
  const caller = checked;

  if (request.method !== 'GET')
    return error(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  const [collection, id, ...rest] = segments;
  if (rest.length) return error(400, 'BadRequest', `Resource not found for the segment '${rest[0]!.slice(0, 60)}'.`);
  const select = (request.query.get('$select') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const top = Math.min(Math.max(Number(request.query.get('$top') ?? 100) || 100, 1), 999);
  const shape = <T extends Record<string, unknown>>(o: T) =>
    select.length ? Object.fromEntries(Object.entries(o).filter(([k]) => select.includes(k))) : o;
  const denied = () => error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const notFound = (what: string) =>
    error(
      404,
      'Request_ResourceNotFound',
      `Resource '${what.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`,
    );
  const users = caller.tenant.users.map((u) => ({
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    ...(u.identityParentId
      ? { '@odata.type': '#microsoft.graph.agentUser', identityParentId: u.identityParentId }
      : {}),
  }));

  switch (collection?.toLowerCase()) {
    case 'me': {
      if (id) return error(400, 'BadRequest', `Resource not found for the segment '${id.slice(0, 60)}'.`);
      if (caller.appOnly)
        return error(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      if (!allowed(caller, PERMISSIONS.me)) return denied();
      const me = users.find((u) => u.id === caller.claims.oid);
      if (!me) return notFound(String(caller.claims.oid ?? ''));
      return ok({ '@odata.context': `${base}/$metadata#users/$entity`, ...shape(me) });
    }
    case 'users': {
      if (!allowed(caller, PERMISSIONS.users)) return denied();
      if (!id) return ok({ '@odata.context': `${base}/$metadata#users`, value: users.slice(0, top).map(shape) });
      const user = users.find(
        (u) => u.id === id.toLowerCase() || u.userPrincipalName.toLowerCase() === id.toLowerCase(),
      );
      return user ? ok({ '@odata.context': `${base}/$metadata#users/$entity`, ...shape(user) }) : notFound(id);
    }
    case 'applications': {
      if (id) return error(400, 'BadRequest', `Resource not found for the segment '${id.slice(0, 60)}'.`);
      if (!allowed(caller, PERMISSIONS.applications)) return denied();
      const apps = [...caller.tenant.blueprints.values()].map((b) => ({
        id: b.objectId,
        appId: b.clientId,
        displayName: b.displayName,
        '@odata.type': '#microsoft.graph.agentIdentityBlueprint',
      }));
      return ok({ '@odata.context': `${base}/$metadata#applications`, value: apps.slice(0, top).map(shape) });
    }
    case 'serviceprincipals': {
      if (!id) return error(400, 'BadRequest', 'This sandbox serves /servicePrincipals/{id} only.');
      if (!allowed(caller, PERMISSIONS.applications)) return denied();
      const wanted = id.toLowerCase();
      const agent = caller.tenant.agents.get(wanted);
      if (agent)
        return ok({
          '@odata.context': `${base}/$metadata#servicePrincipals/$entity`,
          ...shape({
            '@odata.type': '#microsoft.graph.agentIdentity',
            id: agent.clientId,
            appId: agent.clientId,
            displayName: agent.displayName,
            servicePrincipalType: 'ServiceIdentity',
            agentIdentityBlueprintId: agent.blueprint.clientId,
            accountEnabled: !agent.disabled,
          }),
        });
      return notFound(id);
    }
    default:
      return error(400, 'BadRequest', `Resource not found for the segment '${String(collection ?? '').slice(0, 60)}'.`);
  }
}

function allowed(caller: Caller, permission: { app: readonly string[]; delegated: readonly string[] }): boolean {
  const needed = caller.appOnly ? permission.app : permission.delegated;
  return needed.some((p) => caller.granted.includes(p));
}

/** Graph's checks of the token itself, with its messages. */
async function checkToken(
  origin: string,
  directory: Directory,
  key: SigningKey,
  token: string,
): Promise<Caller | { code: string; message: string }> {
  const invalid = (message: string) => ({ code: 'InvalidAuthenticationToken', message });
  if (token.split('.').length !== 3) return invalid('IDX14100: JWT is not well formed, there are no dots (.).');
  // Graph verifies the signature over the hashed nonce; a token without a nonce is checked as it is.
  const signedForm = graphSignedForm(token) ?? token;
  let claims: JWTPayload;
  try {
    claims = (
      await jwtVerify(signedForm, key.publicKey, {
        algorithms: ['RS256'],
        audience: [...GRAPH_AUDIENCES],
      })
    ).payload;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return invalid('Lifetime validation failed, the token is expired.');
    if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud')
      return invalid('Access token validation failure. Invalid audience.');
    return invalid('Access token validation failure.');
  }
  const tenant = directory.tenants.find((t) => t.id === claims.tid);
  if (!tenant || (claims.iss !== issuerV1(origin, tenant.id) && claims.iss !== issuerV2(origin, tenant.id)))
    return invalid('Access token validation failure. Invalid issuer.');
  const appId = String(claims.appid ?? claims.azp ?? '');
  const known = tenant.agents.has(appId) || tenant.blueprints.has(appId) || tenant.publicClients.has(appId);
  if (!known)
    return {
      code: 'Authorization_IdentityNotFound',
      message: 'The identity of the calling application could not be established.',
    };
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const appOnly = claims.idtyp === 'app' || scopes.length === 0;
  return { claims, tenant, appOnly, granted: appOnly ? roles : scopes };
}
