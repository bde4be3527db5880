// Inheritable permissions (agent-id-2026 §3): a blueprint lists, per resource app, which of the permissions granted
// to its principal its agent identities inherit. Inherited only if BOTH halves hold: listed as inheritable, and
// granted (admin-consented) to the blueprint's principal. The Graph calls, and the explanation every face shows.
import { ConfigError, GraphError } from '../errors/errors';
import {
  appRoleAssignments,
  blueprintByAppId,
  findResource,
  principalOf,
  type ResourcePrincipal,
} from './blueprintSetup';
import type { GraphClient } from './graphClient';

/** Which scopes agents inherit of one resource: all those granted to the principal, none, or only these. */
export type InheritedScopes = 'allAllowed' | 'none' | readonly string[];

export interface InheritableSetting {
  readonly resourceAppId: string;
  readonly scopes: InheritedScopes;
  /** App roles: all those granted to the principal, or none (Graph offers no list for roles). */
  readonly roles: 'allAllowed' | 'none';
}

/** Graph's limit [S] (ED:configure-inheritable-permissions-blueprints.md). */
export const MAX_INHERITABLE_RESOURCES = 10;

/**
 * What inheritance is read or set on: the resource's principal, the blueprint's principal and its application
 * object (known from its setup, or looked up), in the tenant; each one missing explained with where it is fixed.
 */
export async function inheritanceParts(
  graph: GraphClient,
  blueprint: { readonly clientId: string; readonly objectId?: string },
  resourceName: string,
  tenant: string,
  signal?: AbortSignal,
): Promise<{ resource: ResourcePrincipal; principal: { id: string }; object: string }> {
  const resource = await findResource(graph, resourceName, signal);
  if (!resource)
    throw new ConfigError(
      'Resource',
      `${resourceName.slice(0, 200)} has no service principal in tenant ${tenant}.`,
      'Give its identifier URI (api://…) or app id as registered in that tenant.',
    );
  const principal = await principalOf(graph, blueprint.clientId, signal);
  const object = blueprint.objectId ?? (await blueprintByAppId(graph, blueprint.clientId, signal))?.id;
  if (!principal || !object)
    throw new ConfigError(
      'Blueprint',
      `has no ${principal ? 'application object' : 'service principal'} in tenant ${tenant}.`,
      'Finish its setup first (Finish Setup on the blueprint).',
    );
  return { resource, principal, object };
}

interface InheritableJson {
  resourceAppId?: string;
  inheritableScopes?: { kind?: string; scopes?: string[] };
  inheritableRoles?: { kind?: string };
}

const path = (blueprintObjectId: string) =>
  `/applications/microsoft.graph.agentIdentityBlueprint/${encodeURIComponent(blueprintObjectId)}/inheritablePermissions`;

function fromJson(j: InheritableJson): InheritableSetting {
  const kind = j.inheritableScopes?.kind;
  return {
    resourceAppId: String(j.resourceAppId ?? '').toLowerCase(),
    scopes:
      kind === 'allAllowed' ? 'allAllowed' : kind === 'enumerated' ? [...(j.inheritableScopes?.scopes ?? [])] : 'none',
    roles: j.inheritableRoles?.kind === 'allAllowed' ? 'allAllowed' : 'none',
  };
}

function toJson(s: InheritableSetting) {
  return {
    inheritableScopes:
      s.scopes === 'allAllowed'
        ? { '@odata.type': '#microsoft.graph.allAllowedScopes', kind: 'allAllowed' }
        : s.scopes === 'none'
          ? { '@odata.type': '#microsoft.graph.noScopes', kind: 'none' }
          : { '@odata.type': '#microsoft.graph.enumeratedScopes', kind: 'enumerated', scopes: [...s.scopes] },
    inheritableRoles:
      s.roles === 'allAllowed'
        ? { '@odata.type': '#microsoft.graph.allAllowedRoles', kind: 'allAllowed' }
        : { '@odata.type': '#microsoft.graph.noRoles', kind: 'none' },
  };
}

export async function listInheritable(
  graph: GraphClient,
  blueprintObjectId: string,
  signal?: AbortSignal,
): Promise<InheritableSetting[]> {
  return (await graph.list<InheritableJson>(path(blueprintObjectId), signal ? { signal } : {})).map(fromJson);
}

/** Lists a resource as inheritable, or changes its entry (Graph answers a second POST 409: then PATCH). */
export async function setInheritable(
  graph: GraphClient,
  blueprintObjectId: string,
  setting: InheritableSetting,
  signal?: AbortSignal,
): Promise<'created' | 'changed'> {
  const options = { ...(signal ? { signal } : {}), fresh: true };
  try {
    await graph.create(path(blueprintObjectId), { resourceAppId: setting.resourceAppId, ...toJson(setting) }, options);
    return 'created';
  } catch (e) {
    if (!(e instanceof GraphError) || e.status !== 409) throw e;
  }
  await graph.send('PATCH', `${path(blueprintObjectId)}/${setting.resourceAppId}`, toJson(setting), options);
  return 'changed';
}

export async function removeInheritable(
  graph: GraphClient,
  blueprintObjectId: string,
  resourceAppId: string,
  signal?: AbortSignal,
): Promise<void> {
  await graph.delete(`${path(blueprintObjectId)}/${resourceAppId}`, signal ? { signal } : {});
}

/** The delegated scopes a client (agent identity or principal) was consented on a resource, by its object id. */
export async function delegatedScopes(
  graph: GraphClient,
  clientId: string,
  resource: ResourcePrincipal,
  signal?: AbortSignal,
): Promise<string[]> {
  const grants = await graph.list<{ resourceId?: string; scope?: string }>(
    `/oauth2PermissionGrants?$filter=${encodeURIComponent(`clientId eq '${clientId}'`)}`,
    signal ? { signal } : {},
  );
  return [
    ...new Set(
      grants
        .filter((g) => g.resourceId === resource.id)
        .flatMap((g) =>
          String(g.scope ?? '')
            .split(' ')
            .filter(Boolean),
        ),
    ),
  ];
}

/** An agent identity's grants, its blueprint principal's, and the blueprint's setting, on one resource, from Graph. */
export async function readPermissionHalves(
  graph: GraphClient,
  ids: { readonly agent: string; readonly principal: string; readonly blueprintObject: string },
  resource: ResourcePrincipal,
  signal?: AbortSignal,
): Promise<PermissionHalves> {
  const roles = async (id: string) => {
    const held = new Set(
      (await appRoleAssignments(graph, id, signal)).filter((a) => a.resourceId === resource.id).map((a) => a.appRoleId),
    );
    return resource.appRoles.filter((r) => held.has(r.id)).map((r) => r.value);
  };
  const [ownRoles, ownScopes, principalRoles, principalScopes, settings] = await Promise.all([
    roles(ids.agent),
    delegatedScopes(graph, ids.agent, resource, signal),
    roles(ids.principal),
    delegatedScopes(graph, ids.principal, resource, signal),
    listInheritable(graph, ids.blueprintObject, signal),
  ]);
  const setting = settings.find((s) => s.resourceAppId === resource.appId.toLowerCase());
  return {
    own: { roles: ownRoles, scopes: ownScopes },
    principal: { roles: principalRoles, scopes: principalScopes },
    ...(setting ? { setting } : {}),
  };
}

/** One permission of an agent identity on a resource: its own grant, or inherited from its blueprint's. */
export interface EffectivePermission {
  readonly value: string;
  readonly kind: 'role' | 'scope';
  readonly from: 'own' | 'inherited';
}

/** What the agent holds and what its blueprint's principal holds on one resource, and the blueprint's setting. */
export interface PermissionHalves {
  readonly own: { readonly roles: readonly string[]; readonly scopes: readonly string[] };
  readonly principal: { readonly roles: readonly string[]; readonly scopes: readonly string[] };
  readonly setting?: InheritableSetting;
}

function inheritedOf(h: PermissionHalves, kind: 'role' | 'scope'): string[] {
  const s = h.setting;
  if (!s) return [];
  if (kind === 'role') return s.roles === 'allAllowed' ? [...h.principal.roles] : [];
  if (s.scopes === 'none') return [];
  return s.scopes === 'allAllowed' ? [...h.principal.scopes] : h.principal.scopes.filter((v) => s.scopes.includes(v));
}

/** The agent identity's effective permissions on a resource: its own grants, then what it inherits (both halves). */
export function effectivePermissions(h: PermissionHalves): EffectivePermission[] {
  const out: EffectivePermission[] = [];
  for (const kind of ['role', 'scope'] as const) {
    const own = kind === 'role' ? h.own.roles : h.own.scopes;
    for (const value of own) out.push({ value, kind, from: 'own' });
    for (const value of inheritedOf(h, kind)) if (!own.includes(value)) out.push({ value, kind, from: 'inherited' });
  }
  return out;
}

/**
 * Why a permission the user expected is not in the agent's token: it is neither granted to the agent nor inherited,
 * and the missing half says what to do. Undefined when the agent holds it.
 */
export function whyMissing(h: PermissionHalves, kind: 'role' | 'scope', value: string): string | undefined {
  if (effectivePermissions(h).some((p) => p.kind === kind && p.value === value)) return undefined;
  const what = kind === 'role' ? `app role ${value}` : `delegated scope ${value}`;
  const granted = (kind === 'role' ? h.principal.roles : h.principal.scopes).includes(value);
  const s = h.setting;
  const listed =
    !!s &&
    (kind === 'role'
      ? s.roles === 'allAllowed'
      : s.scopes === 'allAllowed' || (Array.isArray(s.scopes) && s.scopes.includes(value)));
  if (listed && !granted)
    return `The blueprint lists the ${what} as inheritable, but it is not granted to the blueprint's principal: an admin must grant it there (Grant Permissions… on the blueprint).`;
  if (granted && !listed)
    return `The ${what} is granted to the blueprint's principal, but the blueprint does not list it as inheritable: make it inheritable (Grant Permissions… on the blueprint).`;
  return `The agent identity holds no ${what}, and does not inherit it: grant it to the agent (Grant Permissions… on the agent), or grant it to the blueprint's principal and make it inheritable (Grant Permissions… on the blueprint).`;
}
