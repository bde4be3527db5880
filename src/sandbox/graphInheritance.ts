// The sandbox Graph's inheritablePermissions of a blueprint (agent-id-2026 §3, from
// ED:configure-inheritable-permissions-blueprints.md and GD:beta/api/agentidentityblueprint-post-inheritablepermissions.md):
//   v1.0  /applications/microsoft.graph.agentIdentityBlueprint/{id}/inheritablePermissions[/{resourceAppId}]
//   beta  /applications/{id}/graph.agentIdentityBlueprint/inheritablePermissions[/{resourceAppId}]
// POST 201 (409 on a duplicate, 400 on a non-GUID resourceAppId, more than 10 resource apps, or a blocked scope),
// GET the list or one, PATCH 200, DELETE 204. Both paths and every kind are accepted [I].
import { isGuid } from '../core/config/config';
import type { Caller, ErrorOf, GraphAnswer, GraphState } from './graphState';
import {
  BLOCKED_INHERITABLE_SCOPES,
  MAX_INHERITABLE_RESOURCES,
  type InheritablePermission,
  type InheritableScopes,
} from './inheritance';

const READ = ['AgentIdentityBlueprint.Read.All', 'AgentIdentityBlueprint.ReadWrite.All', 'Application.Read.All'];
const WRITE = ['AgentIdentityBlueprint.Create', 'AgentIdentityBlueprint.ReadWrite.All'];
const CASTS = new Set(['microsoft.graph.agentidentityblueprint', 'graph.agentidentityblueprint']);

export interface InheritanceRequest {
  readonly method: string;
  readonly body?: string;
}

/** The call's blueprint object id and resource app id, when its path is an inheritablePermissions path. */
function parsePath(lower: readonly string[]): { objectId: string; resourceAppId?: string } | undefined {
  const [collection, a, b, c, d, ...rest] = lower;
  if (collection !== 'applications' || rest.length) return undefined;
  if (a && CASTS.has(a) && b && c === 'inheritablepermissions')
    return { objectId: b, ...(d ? { resourceAppId: d } : {}) };
  if (a && b && CASTS.has(b) && c === 'inheritablepermissions')
    return { objectId: a, ...(d ? { resourceAppId: d } : {}) };
  return undefined;
}

/** Answers an inheritablePermissions call, or undefined when the request is not one. */
export function inheritablePermissionsCall(
  request: InheritanceRequest,
  lower: readonly string[],
  caller: Caller,
  base: string,
  state: GraphState,
  error: ErrorOf,
  answer: (status: number, body: unknown) => GraphAnswer,
): GraphAnswer | undefined {
  const path = parsePath(lower);
  if (!path) return undefined;
  const has = (needed: readonly string[]) => needed.some((p) => caller.granted.includes(p));
  const denied = () => error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const blueprint = [...caller.tenant.blueprints.values()].find(
    (b) => b.objectId === path.objectId && !state.replicating(b.objectId),
  );
  if (!blueprint)
    return error(
      404,
      'Request_ResourceNotFound',
      `Resource '${path.objectId.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`,
    );
  const context = `${base}/$metadata#applications('${blueprint.objectId}')/microsoft.graph.agentIdentityBlueprint/inheritablePermissions`;
  const notFound = (id: string) =>
    error(404, 'Request_ResourceNotFound', `No inheritable permissions for resource app '${id.slice(0, 40)}'.`);

  if (request.method === 'GET') {
    if (!has(READ)) return denied();
    if (!path.resourceAppId)
      return answer(200, { '@odata.context': context, value: [...blueprint.inheritable.values()].map(toJson) });
    const entry = blueprint.inheritable.get(path.resourceAppId);
    return entry
      ? answer(200, { '@odata.context': `${context}/$entity`, ...toJson(entry) })
      : notFound(path.resourceAppId);
  }
  if (!has(WRITE) || (caller.appOnly === false && caller.granted.includes('Directory.AccessAsUser.All')))
    return denied();
  if (request.method === 'DELETE') {
    if (!path.resourceAppId || !blueprint.inheritable.delete(path.resourceAppId))
      return notFound(path.resourceAppId ?? '');
    return { status: 204, headers: {}, body: undefined };
  }
  const body = parseBody(request.body);
  if (typeof body === 'string') return error(400, 'Request_BadRequest', body);
  if (request.method === 'POST' && !path.resourceAppId) {
    const resourceAppId = String(body.resourceAppId ?? '').toLowerCase();
    if (!isGuid(resourceAppId))
      return error(
        400,
        'Request_BadRequest',
        `Invalid value specified for property 'resourceAppId': '${String(body.resourceAppId ?? '').slice(0, 60)}' is not a GUID.`,
      );
    if (blueprint.inheritable.has(resourceAppId))
      return error(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        `Inheritable permissions for resource app '${resourceAppId}' already exist on this blueprint; use PATCH to change them.`,
      );
    if (blueprint.inheritable.size >= MAX_INHERITABLE_RESOURCES)
      return error(
        400,
        'Request_BadRequest',
        `A blueprint may list at most ${MAX_INHERITABLE_RESOURCES} resource apps with inheritable permissions.`,
      );
    const entry = buildEntry(resourceAppId, body, undefined);
    if (typeof entry === 'string') return error(400, 'Request_BadRequest', entry);
    blueprint.inheritable.set(resourceAppId, entry);
    return answer(201, { '@odata.context': `${context}/$entity`, ...toJson(entry) });
  }
  if (request.method === 'PATCH' && path.resourceAppId) {
    const current = blueprint.inheritable.get(path.resourceAppId);
    if (!current) return notFound(path.resourceAppId);
    const entry = buildEntry(current.resourceAppId, body, current);
    if (typeof entry === 'string') return error(400, 'Request_BadRequest', entry);
    blueprint.inheritable.set(current.resourceAppId, entry);
    return answer(200, { '@odata.context': `${context}/$entity`, ...toJson(entry) });
  }
  return error(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

function parseBody(text: string | undefined): Record<string, unknown> | string {
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  return 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
}

/** The entry a body describes (a PATCH keeps what it leaves out), or why it is refused. */
function buildEntry(
  resourceAppId: string,
  body: Record<string, unknown>,
  current: InheritablePermission | undefined,
): InheritablePermission | string {
  const scopes =
    body.inheritableScopes === undefined ? (current?.scopes ?? { kind: 'none' }) : scopesOf(body.inheritableScopes);
  if (typeof scopes === 'string') return scopes;
  const roles = body.inheritableRoles === undefined ? (current?.roles ?? 'none') : rolesOf(body.inheritableRoles);
  if (roles === undefined) return "Invalid value specified for property 'inheritableRoles'.";
  if (scopes.kind === 'enumerated') {
    const blocked = scopes.scopes.find((s) =>
      BLOCKED_INHERITABLE_SCOPES.some((b) => b.toLowerCase() === s.toLowerCase()),
    );
    if (blocked) return `The scope '${blocked}' is a high-privilege permission and cannot be made inheritable.`;
  }
  return { resourceAppId, scopes, roles };
}

function scopesOf(value: unknown): InheritableScopes | string {
  const v = (value ?? {}) as { kind?: unknown; scopes?: unknown; '@odata.type'?: unknown };
  const kind = String(v.kind ?? '').toLowerCase();
  if (kind === 'allallowed') return { kind: 'allAllowed' };
  if (kind === 'none') return { kind: 'none' };
  if (kind === 'enumerated') {
    if (!Array.isArray(v.scopes) || v.scopes.length === 0 || v.scopes.some((s) => typeof s !== 'string' || !s))
      return "Invalid value specified for property 'inheritableScopes': enumerated scopes need a non-empty 'scopes' list.";
    return { kind: 'enumerated', scopes: [...new Set(v.scopes as string[])] };
  }
  return "Invalid value specified for property 'inheritableScopes': 'kind' must be allAllowed, none or enumerated.";
}

function rolesOf(value: unknown): 'allAllowed' | 'none' | undefined {
  const kind = String(((value ?? {}) as { kind?: unknown }).kind ?? '').toLowerCase();
  return kind === 'allallowed' ? 'allAllowed' : kind === 'none' ? 'none' : undefined;
}

function toJson(entry: InheritablePermission) {
  const scopes =
    entry.scopes.kind === 'allAllowed'
      ? { '@odata.type': '#microsoft.graph.allAllowedScopes', kind: 'allAllowed' }
      : entry.scopes.kind === 'none'
        ? { '@odata.type': '#microsoft.graph.noScopes', kind: 'none' }
        : { '@odata.type': '#microsoft.graph.enumeratedScopes', kind: 'enumerated', scopes: [...entry.scopes.scopes] };
  const roles =
    entry.roles === 'allAllowed'
      ? { '@odata.type': '#microsoft.graph.allAllowedRoles', kind: 'allAllowed' }
      : { '@odata.type': '#microsoft.graph.noRoles', kind: 'none' };
  return { resourceAppId: entry.resourceAppId, inheritableScopes: scopes, inheritableRoles: roles };
}
