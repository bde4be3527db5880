// Inheritable permissions (agent-id-2026 §3, ED:concept-inheritable-permissions.md): an agent identity inherits a
// blueprint's permission on a resource only when BOTH halves hold: the resource is listed as inheritable on the
// blueprint (its scopes and/or roles), and an admin granted the permission to the blueprint's principal. Merged at
// issuance: scopes into `scp` (user tokens), roles into `roles` (app tokens). Pure: the token endpoint and Graph ask.
import type { Agent, Blueprint, InheritablePermission, Resource } from './directory';

export type { InheritablePermission, InheritableScopes } from './directory';

/** At most this many resource apps per blueprint [S]. */
export const MAX_INHERITABLE_RESOURCES = 10;

/**
 * [I] Scopes a blueprint may not pass on: the docs say high-privilege scopes are blocked without listing them; these
 * are the tenant-wide write scopes Microsoft names as high-privilege elsewhere.
 */
export const BLOCKED_INHERITABLE_SCOPES: readonly string[] = [
  'Directory.ReadWrite.All',
  'RoleManagement.ReadWrite.Directory',
  'Application.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'Directory.AccessAsUser.All',
];

/** Grants keyed by resource (identifier URI, app id or api://app id), for one resource. */
export function grantsFor(grants: Readonly<Record<string, readonly string[]>>, resource: Resource): string[] {
  const keys = [resource.identifierUri.toLowerCase(), resource.appId, `api://${resource.appId}`];
  return [
    ...new Set(
      Object.entries(grants)
        .filter(([k]) => keys.includes(k.toLowerCase()))
        .flatMap(([, v]) => v),
    ),
  ];
}

function entryFor(blueprint: Blueprint, resource: Resource): InheritablePermission | undefined {
  return blueprint.inheritable.get(resource.appId);
}

/** The app roles an agent identity inherits on a resource: listed as inheritable, and granted to the principal. */
export function inheritedRoles(agent: Agent, resource: Resource): string[] {
  const blueprint = agent.blueprint;
  const entry = entryFor(blueprint, resource);
  if (!entry || entry.roles !== 'allAllowed' || !blueprint.principal) return [];
  return grantsFor(blueprint.roles, resource);
}

/** The delegated scopes an agent identity inherits on a resource: listed as inheritable, and consented to the principal. */
export function inheritedScopes(agent: Agent, resource: Resource): string[] {
  const blueprint = agent.blueprint;
  const entry = entryFor(blueprint, resource);
  if (!entry || !blueprint.principal) return [];
  const granted = grantsFor(blueprint.delegated, resource).filter((s) => !BLOCKED_INHERITABLE_SCOPES.includes(s));
  switch (entry.scopes.kind) {
    case 'none':
      return [];
    case 'allAllowed':
      return granted;
    case 'enumerated': {
      const listed = entry.scopes.scopes;
      return granted.filter((s) => listed.includes(s));
    }
  }
}
