// The sandbox's Microsoft Graph subset (`{sandbox}/graph/v1.0/…`, beta too): /me, /users, /users/{id}, /applications,
// /servicePrincipals/{id}, GET only. It checks tokens as Graph does — the signature over the hashed header nonce
// (issuer.ts), issuer, audience, lifetime, a calling identity that exists — then the permission each call needs (an
// app role for an app-only token, a delegated scope for a user token), and answers with Graph's own error bodies
// (`{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`) and headers.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Agent, Directory } from './directory';
import { accessAsUserBlocks, jsonBody, provisioningCall } from './graphProvisioning';
import { inheritablePermissionsCall } from './graphInheritance';
import { GraphState, type Caller, type ErrorOf, type GraphAnswer } from './graphState';

export { GraphState, type GraphAnswer };
import { GRAPH_AUDIENCES, graphSignedForm, issuerV1, issuerV2, type SigningKey } from './issuer';

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

/** Agent ID's application permissions that let a blueprint manage its own agent identities and agent users. */
const MANAGE_AGENTS = 'AgentIdentity.CreateAsManager';
const MANAGE_AGENT_USERS = 'AgentIdUser.ReadWrite.IdentityParentedBy';
const PAGE_SIZE = 100;

export async function answerGraph(
  origin: string,
  directory: Directory,
  key: SigningKey,
  request: {
    method: string;
    path: string;
    query: URLSearchParams;
    authorization?: string;
    clientRequestId?: string;
    body?: string;
    odataVersion?: string;
  },
  state: GraphState = new GraphState(),
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

  const fault = state.faults.shift();
  const faulted = () =>
    error(
      fault!.status,
      fault!.status === 429 ? 'TooManyRequests' : fault!.status === 504 ? 'GatewayTimeout' : 'ServiceUnavailable',
      fault!.status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable.',
      fault!.retryAfterSeconds !== undefined ? { 'retry-after': String(fault!.retryAfterSeconds) } : {},
    );
  if (fault && !fault.afterHandling) return faulted();
  const answer = (status: number, body: unknown): GraphAnswer => ({ status, headers, body });
  const agentIdOps =
    agentIdCall(request, segments, caller, base, state, error, answer) ??
    inheritablePermissionsCall(
      request,
      segments.map((x) => x.toLowerCase()),
      caller,
      base,
      state,
      error,
      answer,
    ) ??
    provisioningCall(request, segments, caller, base, state, error, answer);
  // The work is done; the answer is lost on the way back.
  if (fault) return faulted();
  if (agentIdOps) return agentIdOps;
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
      const agent = state.replicating(wanted) ? undefined : caller.tenant.agents.get(wanted);
      if (agent)
        return ok({
          '@odata.context': `${base}/$metadata#servicePrincipals/$entity`,
          ...shape({
            '@odata.type': '#microsoft.graph.agentIdentity',
            id: agent.objectId,
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

/**
 * Agent ID's calls (shared docs, graph-agent-id.md): list, create and delete agent identities, create agent users. A
 * blueprint acting as itself may do them for its own objects only, with AgentIdentity.CreateAsManager and
 * AgentIdUser.ReadWrite.IdentityParentedBy. Undefined when the request is not one of them.
 */
function agentIdCall(
  request: { method: string; query: URLSearchParams; body?: string },
  segments: readonly string[],
  caller: Caller,
  base: string,
  state: GraphState,
  error: ErrorOf,
  answer: (status: number, body: unknown) => GraphAnswer,
): GraphAnswer | undefined {
  const [collection, cast, ...rest] = segments.map((s) => s.toLowerCase());
  const tenant = caller.tenant;
  const callerId = String(caller.claims.appid ?? caller.claims.azp ?? '');
  const ownBlueprint = caller.appOnly ? tenant.blueprints.get(callerId) : undefined;
  const denied = () => error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const may = (permission: string) => caller.appOnly && caller.granted.includes(permission);
  const headers = answer;
  const agentJson = (a: Agent) => ({
    '@odata.type': '#microsoft.graph.agentIdentity',
    id: a.objectId,
    appId: a.clientId,
    displayName: a.displayName,
    servicePrincipalType: 'ServiceIdentity',
    agentIdentityBlueprintId: a.blueprint.clientId,
    accountEnabled: !a.disabled,
  });

  if (collection === 'serviceprincipals' && cast === 'microsoft.graph.agentidentity' && rest.length === 0) {
    if (request.method === 'GET') {
      const filter = request.query.get('$filter') ?? '';
      const named = /^agentIdentityBlueprintId eq '([0-9a-f-]{36})'$/i.exec(filter.trim())?.[1]?.toLowerCase();
      if (filter && !named)
        return error(
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause specified: '${filter.slice(0, 80)}'.`,
        );
      // A blueprint as itself lists its own agents only; Application.Read.All lists any.
      const readAll =
        caller.granted.includes('Application.Read.All') || caller.granted.includes('AgentIdentity.Read.All');
      if (!readAll && !(ownBlueprint && may(MANAGE_AGENTS) && named === ownBlueprint.clientId)) return denied();
      const all = [...tenant.agents.values()].filter(
        (a) => (!named || a.blueprint.clientId === named) && !state.replicating(a.clientId),
      );
      const top = Math.min(Math.max(Number(request.query.get('$top') ?? PAGE_SIZE) || PAGE_SIZE, 1), 999);
      const skip = Math.max(Number(request.query.get('$skiptoken') ?? 0) || 0, 0);
      const page = all.slice(skip, skip + top);
      const next = skip + top < all.length;
      const query = new URLSearchParams({
        ...(filter ? { $filter: filter } : {}),
        $top: String(top),
        $skiptoken: String(skip + top),
      });
      return headers(200, {
        '@odata.context': `${base}/$metadata#servicePrincipals/microsoft.graph.agentIdentity`,
        ...(next
          ? { '@odata.nextLink': `${base}/servicePrincipals/microsoft.graph.agentIdentity?${query.toString()}` }
          : {}),
        value: page.map(agentJson),
      });
    }
    if (request.method === 'POST') {
      const body = jsonBody(request.body);
      if (!body)
        return error(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
      const blueprintId = String(body.agentIdentityBlueprintId ?? '').toLowerCase();
      // Right after the blueprint's creation, Entra has not replicated it yet (the lag users meet most).
      if (state.replicating(blueprintId))
        return error(400, 'Request_BadRequest', `Object with id '${blueprintId}' not found.`);
      const blueprint = tenant.blueprints.get(blueprintId);
      if (!blueprint)
        return error(
          400,
          'Request_BadRequest',
          "Invalid value specified for property 'agentIdentityBlueprintId' of resource 'AgentIdentity'.",
        );
      const delegated = !caller.appOnly && caller.granted.includes('AgentIdentity.Create.All');
      if (!(ownBlueprint === blueprint && may(MANAGE_AGENTS)) && !delegated) return denied();
      if (accessAsUserBlocks(caller)) return denied();
      // [I] A single-instance blueprint has no principal and at most one agent identity per tenant (agent-id-2026
      // §1, Graph beta); the error code for a second is the most plausible of Agent ID's documented codes.
      if (blueprint.singleInstance && blueprint.agents.size > 0)
        return error(
          400,
          'AgentIdentity_LimitExceeded',
          `The single-instance agent identity blueprint '${blueprint.clientId}' already has its agent identity; a single-instance blueprint has at most one per tenant.`,
        );
      if (!blueprint.principal && !blueprint.singleInstance)
        return error(
          400,
          'AgentIdentity_AgentBlueprintPrincipalDoesNotExist',
          `The agent identity blueprint '${blueprint.clientId}' has no service principal in this tenant; create it first.`,
        );
      const displayName = typeof body.displayName === 'string' ? body.displayName.trim().slice(0, 256) : '';
      if (!displayName) return error(400, 'Request_BadRequest', "The property 'displayName' is required.");
      const sponsors = body['sponsors@odata.bind'];
      if (sponsors !== undefined) {
        if (!Array.isArray(sponsors)) return error(400, 'BadRequest', "Invalid value for 'sponsors@odata.bind'.");
        for (const s of sponsors) {
          const id = /\/users\/([0-9a-f-]{36})$/i.exec(String(s))?.[1]?.toLowerCase();
          if (!id || !tenant.users.some((u) => u.id === id && !u.identityParentId))
            return error(
              400,
              'Request_BadRequest',
              `Invalid sponsor: '${String(s).slice(0, 120)}' is not a user of this tenant.`,
            );
        }
      }
      // A single-instance agent identity shares its blueprint's client id and has an object id of its own.
      const clientId = blueprint.singleInstance ? blueprint.clientId : randomUUID();
      const objectId = blueprint.singleInstance ? randomUUID() : clientId;
      const agent: Agent = { clientId, objectId, displayName, disabled: false, roles: {}, delegated: {}, blueprint };
      blueprint.agents.set(clientId, agent);
      tenant.agents.set(objectId, agent);
      state.markCreated(objectId);
      return headers(201, {
        '@odata.context': `${base}/$metadata#servicePrincipals/microsoft.graph.agentIdentity/$entity`,
        ...agentJson(agent),
      });
    }
    return error(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  }

  if (collection === 'serviceprincipals' && cast && rest.length === 0 && request.method === 'DELETE') {
    const agent = state.replicating(cast) ? undefined : tenant.agents.get(cast);
    if (!agent)
      return error(
        404,
        'Request_ResourceNotFound',
        `Resource '${cast.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (!(ownBlueprint === agent.blueprint && may(MANAGE_AGENTS))) return denied();
    agent.blueprint.agents.delete(agent.clientId);
    tenant.agents.delete(agent.objectId);
    return { status: 204, headers: {}, body: undefined };
  }

  const agentUserCreate =
    request.method === 'POST' &&
    collection === 'users' &&
    (cast === 'microsoft.graph.agentuser' ||
      (cast === undefined && jsonBody(request.body)?.['@odata.type'] === '#microsoft.graph.agentUser')) &&
    rest.length === 0;
  if (agentUserCreate) {
    const body = jsonBody(request.body);
    if (!body) return error(400, 'BadRequest', 'Unable to read JSON request payload.');
    const parentId = String(body.identityParentId ?? '').toLowerCase();
    const parent = state.replicating(parentId) ? undefined : tenant.agents.get(parentId);
    if (!parent) return error(400, 'Request_BadRequest', `Object with id ${parentId.slice(0, 40) || "''"} not found.`);
    if (!(ownBlueprint === parent.blueprint && may(MANAGE_AGENT_USERS)) || accessAsUserBlocks(caller)) return denied();
    if (tenant.users.some((u) => u.identityParentId === parent.clientId))
      return error(
        400,
        'Request_BadRequest',
        'The agent identity already has an agent user: an agent identity has at most one.',
      );
    const upn = typeof body.userPrincipalName === 'string' ? body.userPrincipalName.trim() : '';
    const domain = upn.split('@')[1]?.toLowerCase();
    if (!domain || !tenant.domains.includes(domain))
      return error(
        400,
        'Request_BadRequest',
        'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
      );
    if (tenant.users.some((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase()))
      return error(
        400,
        'Request_BadRequest',
        'Another object with the same value for property userPrincipalName already exists.',
      );
    const user = {
      id: randomUUID(),
      userPrincipalName: upn,
      displayName:
        typeof body.displayName === 'string' && body.displayName.trim() ? body.displayName.trim().slice(0, 256) : upn,
      identityParentId: parent.clientId,
    };
    tenant.users.push(user);
    state.markCreated(user.id);
    return headers(201, {
      '@odata.context': `${base}/$metadata#users/$entity`,
      '@odata.type': '#microsoft.graph.agentUser',
      ...user,
    });
  }
  return undefined;
}
