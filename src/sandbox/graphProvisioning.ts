// The sandbox Graph's provisioning calls (shared docs, graph-agent-id.md), mostly for a signed-in developer: list and
// create blueprints (OData-Version 4.0 and a sponsor required), create a blueprint's principal, add a client secret,
// read a resource's service principal (its app roles and scopes), grant app roles and delegated scopes, list agent
// users. Each checks the permission Graph's reference names, for the kind of token; a delegated token that carries
// Directory.AccessAsUser.All is refused every Agent ID write, as Entra does.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Agent, Blueprint, Resource } from './directory';
import { blueprintResource, certificateFromDer, derivedGuid, passwordCredential } from './directory';
import type { Caller, ErrorOf, GraphAnswer, GraphState } from './graphState';

/** The permissions that let each call through (least first), app-only and delegated alike unless noted. */
const NEEDS = {
  readBlueprints: ['AgentIdentityBlueprint.Read.All', 'AgentIdentityBlueprint.ReadWrite.All', 'Application.Read.All'],
  createBlueprint: ['AgentIdentityBlueprint.Create', 'AgentIdentityBlueprint.ReadWrite.All'],
  createPrincipal: ['AgentIdentityBlueprintPrincipal.Create', 'AgentIdentityBlueprint.ReadWrite.All'],
  addCredential: ['AgentIdentityBlueprint.AddRemoveCreds.All', 'AgentIdentityBlueprint.ReadWrite.All'],
  readPrincipals: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
  grantRoles: ['AppRoleAssignment.ReadWrite.All'],
  readRoles: ['AppRoleAssignment.ReadWrite.All', 'Application.Read.All', 'Directory.Read.All'],
  grantScopes: ['DelegatedPermissionGrant.ReadWrite.All'],
  readGrants: ['DelegatedPermissionGrant.ReadWrite.All', 'DelegatedPermissionGrant.Read.All', 'Directory.Read.All'],
  readUsers: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'],
} as const;

/** With it in a delegated token, Agent ID ignores the token's other permissions for writes (ED known issues). */
const ACCESS_AS_USER = 'Directory.AccessAsUser.All';
const PAGE_SIZE = 100;

export interface ProvisioningRequest {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly body?: string;
  /** The request's OData-Version header. */
  readonly odataVersion?: string;
}

/** Answers a provisioning call, or undefined when the request is not one. */
export function provisioningCall(
  request: ProvisioningRequest,
  segments: readonly string[],
  caller: Caller,
  base: string,
  state: GraphState,
  error: ErrorOf,
  answer: (status: number, body: unknown) => GraphAnswer,
): GraphAnswer | undefined {
  const lower = segments.map((s) => s.toLowerCase());
  const [collection, second, third, fourth, ...rest] = lower;
  const tenant = caller.tenant;
  const has = (needed: readonly string[]) => needed.some((p) => caller.granted.includes(p));
  const denied = () => error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const write = (needed: readonly string[]) =>
    has(needed) && !(caller.appOnly === false && caller.granted.includes(ACCESS_AS_USER));
  const badBody = () =>
    error(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  const notFound = (id: string) =>
    error(
      404,
      'Request_ResourceNotFound',
      `Resource '${id.slice(0, 100)}' does not exist or one of its queried reference-property objects are not present.`,
    );
  const page = <T>(all: T[], path: string, filter: string, context: string) => {
    const top = Math.min(Math.max(Number(request.query.get('$top') ?? PAGE_SIZE) || PAGE_SIZE, 1), 999);
    const skip = Math.max(Number(request.query.get('$skiptoken') ?? 0) || 0, 0);
    const next = skip + top < all.length;
    const query = new URLSearchParams({
      ...(filter ? { $filter: filter } : {}),
      $top: String(top),
      $skiptoken: String(skip + top),
    });
    return answer(200, {
      '@odata.context': `${base}/$metadata#${context}`,
      ...(next ? { '@odata.nextLink': `${base}/${path}?${query.toString()}` } : {}),
      value: all.slice(skip, skip + top).map((o) => selected(o as Record<string, unknown>, request.query)),
    });
  };

  // Blueprints: list and create.
  if (collection === 'applications' && second === 'microsoft.graph.agentidentityblueprint' && third === undefined) {
    if (request.method === 'GET') {
      if (!has(NEEDS.readBlueprints) && !has(NEEDS.addCredential)) return denied();
      const filter = (request.query.get('$filter') ?? '').trim();
      const appId = /^appId eq '([0-9a-f-]{36})'$/i.exec(filter)?.[1]?.toLowerCase();
      if (filter && !appId)
        return error(
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause specified: '${filter.slice(0, 80)}'.`,
        );
      const all = [...tenant.blueprints.values()]
        .filter((b) => !state.replicating(b.objectId) && (!appId || b.clientId === appId))
        .map(blueprintJson);
      return page(
        all,
        'applications/microsoft.graph.agentIdentityBlueprint',
        filter,
        'applications/microsoft.graph.agentIdentityBlueprint',
      );
    }
    if (request.method !== 'POST') return undefined;
    if (!write(NEEDS.createBlueprint)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    const displayName = typeof body.displayName === 'string' ? body.displayName.trim().slice(0, 256) : '';
    if (!displayName) return error(400, 'Request_BadRequest', "The property 'displayName' is required.");
    // Without OData-Version 4.0 the create makes an ordinary application, not a blueprint (ED setup guide).
    if (request.odataVersion?.trim() !== '4.0') {
      const id = randomUUID();
      const appId = randomUUID();
      state.plainApplications.push({ id, appId, displayName });
      return answer(201, {
        '@odata.context': `${base}/$metadata#applications/$entity`,
        '@odata.type': '#microsoft.graph.application',
        id,
        appId,
        displayName,
      });
    }
    const sponsors = userBinds(body['sponsors@odata.bind']);
    if (sponsors === 'invalid') return error(400, 'BadRequest', "Invalid value for 'sponsors@odata.bind'.");
    if (sponsors.length === 0) return error(400, 'Request_BadRequest', 'No sponsor specified.');
    const unknown = sponsors.find((s) => !tenant.users.some((u) => u.id === s && !u.identityParentId));
    if (unknown)
      return error(
        400,
        'Request_BadRequest',
        `Invalid sponsor: '${unknown.slice(0, 40)}' is not a user of this tenant.`,
      );
    // isSingleInstance is a beta property (agent-id-2026 §1); [I] v1.0 refuses it as an unknown property.
    const singleInstance = body.isSingleInstance === true;
    if (body.isSingleInstance !== undefined && !base.endsWith('/beta'))
      return error(
        400,
        'Request_BadRequest',
        "Property 'isSingleInstance' does not exist on type 'microsoft.graph.agentIdentityBlueprint'. Make sure to only use property names that are defined by the type.",
      );
    const blueprint: Blueprint = {
      clientId: randomUUID(),
      objectId: randomUUID(),
      displayName,
      clientSecrets: [],
      certificates: [],
      federatedCredentials: [],
      disabled: false,
      // [I] The sandbox lets a new blueprint manage its own agent identities and their agent users at once.
      roles: {
        'https://graph.microsoft.com': ['AgentIdentity.CreateAsManager', 'AgentIdUser.ReadWrite.IdentityParentedBy'],
      },
      delegated: {},
      inheritable: new Map(),
      singleInstance,
      redirectUris: [],
      agents: new Map(),
      principal: false,
      sponsors,
      passwordCredentials: [],
    };
    tenant.blueprints.set(blueprint.clientId, blueprint);
    tenant.resources.push(blueprintResource(blueprint));
    state.markCreated(blueprint.objectId);
    state.markCreated(blueprint.clientId);
    return answer(201, {
      '@odata.context': `${base}/$metadata#applications/microsoft.graph.agentIdentityBlueprint/$entity`,
      ...blueprintJson(blueprint),
    });
  }

  // A blueprint's principal.
  if (
    collection === 'serviceprincipals' &&
    second === 'microsoft.graph.agentidentityblueprintprincipal' &&
    third === undefined &&
    request.method === 'POST'
  ) {
    if (!write(NEEDS.createPrincipal)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    const appId = String(body.appId ?? '').toLowerCase();
    if (state.replicating(appId)) return error(400, 'Request_BadRequest', `Object with id ${appId} not found.`);
    const blueprint = tenant.blueprints.get(appId);
    if (!blueprint)
      return error(
        400,
        'Request_BadRequest',
        `The appId '${appId.slice(0, 40)}' of the service principal does not reference a valid application object.`,
      );
    // [I] A single-instance blueprint has no principal (agent-id-2026 §1): its agent identity is the one.
    if (blueprint.singleInstance)
      return error(
        400,
        'Request_BadRequest',
        `The agent identity blueprint '${blueprint.clientId}' is single-instance: it has no principal. Create its agent identity instead.`,
      );
    if (blueprint.principal)
      return error(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        'Another object with the same value for property servicePrincipalNames already exists.',
      );
    blueprint.principal = true;
    return answer(201, {
      '@odata.context': `${base}/$metadata#servicePrincipals/$entity`,
      '@odata.type': '#microsoft.graph.agentIdentityBlueprintPrincipal',
      id: principalIdOf(blueprint),
      appId: blueprint.clientId,
      displayName: blueprint.displayName,
      servicePrincipalType: 'Application',
    });
  }

  // One blueprint by object id: read it, or PATCH its certificates (keyCredentials: the list is replaced).
  if (
    collection === 'applications' &&
    second &&
    third === undefined &&
    (request.method === 'GET' || request.method === 'PATCH')
  ) {
    const blueprint = [...tenant.blueprints.values()].find(
      (b) => b.objectId === second && !state.replicating(b.objectId),
    );
    if (!blueprint) return notFound(second);
    if (request.method === 'GET') {
      if (!has(NEEDS.readBlueprints) && !has(NEEDS.addCredential)) return denied();
      return answer(200, {
        '@odata.context': `${base}/$metadata#applications/$entity`,
        ...selected(blueprintJson(blueprint), request.query),
      });
    }
    if (!write(NEEDS.addCredential)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    const keys = body.keyCredentials;
    if (!Array.isArray(keys))
      return error(400, 'Request_BadRequest', 'Only keyCredentials can be changed on a blueprint here.');
    const certificates: Blueprint['certificates'] = [];
    for (const [i, k] of keys.entries()) {
      const key = (k ?? {}) as Record<string, unknown>;
      if (key.type !== 'AsymmetricX509Cert' || key.usage !== 'Verify' || typeof key.key !== 'string')
        return error(
          400,
          'Request_BadRequest',
          `keyCredentials[${i}] needs type AsymmetricX509Cert, usage Verify and a key.`,
        );
      try {
        certificates.push(certificateFromDer(key.key, `keyCredentials[${i}]`));
      } catch {
        return error(
          400,
          'Request_BadRequest',
          `Invalid value specified for property 'key' of resource 'KeyCredential'.`,
        );
      }
    }
    blueprint.certificates = certificates;
    return { status: 204, headers: {}, body: undefined };
  }

  // A federated identity credential (a managed identity or another workload as the blueprint's credential).
  if (
    collection === 'applications' &&
    second &&
    third === 'microsoft.graph.agentidentityblueprint' &&
    fourth === 'federatedidentitycredentials' &&
    rest.length === 0 &&
    request.method === 'POST'
  ) {
    const blueprint = [...tenant.blueprints.values()].find(
      (b) => b.objectId === second && !state.replicating(b.objectId),
    );
    if (!blueprint) return notFound(second);
    if (!write(NEEDS.addCredential)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const name = text(body.name);
    const issuer = text(body.issuer);
    const subject = text(body.subject);
    const audiences = Array.isArray(body.audiences) ? body.audiences.map(String) : [];
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$/.test(name))
      return error(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'name' of resource 'FederatedIdentityCredential'.",
      );
    if (!issuer || !subject || audiences.length !== 1)
      return error(
        400,
        'Request_BadRequest',
        'A federated identity credential needs an issuer, a subject and one audience.',
      );
    if (blueprint.federatedCredentials.some((f) => f.issuer === issuer && f.subject === subject))
      return error(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        'FederatedIdentityCredential with the same issuer and subject already exists.',
      );
    blueprint.federatedCredentials.push({ issuer, subject, audiences });
    return answer(201, {
      '@odata.context': `${base}/$metadata#applications('${blueprint.objectId}')/federatedIdentityCredentials/$entity`,
      id: derivedGuid(`fic:${blueprint.clientId}:${issuer}:${subject}`),
      name,
      issuer,
      subject,
      audiences,
    });
  }

  // A client secret: applications/{objectId}/microsoft.graph.agentIdentityBlueprint/addPassword.
  if (
    collection === 'applications' &&
    second &&
    ((third === 'microsoft.graph.agentidentityblueprint' && fourth === 'addpassword') ||
      (third === 'addpassword' && fourth === undefined)) &&
    rest.length === 0
  ) {
    if (request.method !== 'POST') return undefined;
    const blueprint = [...tenant.blueprints.values()].find(
      (b) => b.objectId === second && !state.replicating(b.objectId),
    );
    if (!blueprint) return notFound(second);
    if (!write(NEEDS.addCredential)) return denied();
    const body = jsonBody(request.body) ?? {};
    const asked = (body.passwordCredential ?? {}) as Record<string, unknown>;
    const displayName = typeof asked.displayName === 'string' ? asked.displayName.slice(0, 256) : '';
    const end = typeof asked.endDateTime === 'string' && !Number.isNaN(Date.parse(asked.endDateTime));
    // Sandbox secrets made through Graph start with "sbxG~", so a leak scan can look for them anywhere; the prefix is
    // assembled here so that the code itself (in the package, in caches) never holds it.
    const secretText = `${['sbx', 'G'].join('')}~${randomBytes(24).toString('base64url')}`;
    const meta = passwordCredential(
      secretText,
      displayName,
      end ? new Date(String(asked.endDateTime)).toISOString() : undefined,
    );
    blueprint.clientSecrets.push(secretText);
    blueprint.passwordCredentials.push(meta);
    return answer(200, {
      '@odata.context': `${base}/$metadata#microsoft.graph.passwordCredential`,
      customKeyIdentifier: null,
      displayName: meta.displayName,
      endDateTime: meta.endDateTime,
      hint: meta.hint,
      keyId: meta.keyId,
      secretText,
      startDateTime: new Date().toISOString(),
    });
  }

  // Service principals by filter: a resource's (its app roles and scopes), or a blueprint's principal.
  if (collection === 'serviceprincipals' && second === undefined && request.method === 'GET') {
    if (!has(NEEDS.readPrincipals)) return denied();
    const filter = (request.query.get('$filter') ?? '').trim();
    const byAppId = /^appId eq '([0-9a-f-]{36})'$/i.exec(filter)?.[1]?.toLowerCase();
    const byName = /^servicePrincipalNames\/any\((\w+):\s*\1 eq '([^']{1,400})'\)$/i.exec(filter)?.[2];
    if (!byAppId && !byName)
      return error(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified: '${filter.slice(0, 80)}'.`,
      );
    // A blueprint is a resource too (api://{appId}), once its principal exists.
    const all = tenant.resources
      .filter((r) => tenant.blueprints.get(r.appId)?.principal !== false)
      .map(resourcePrincipalJson)
      .filter((sp) =>
        byAppId
          ? sp.appId === byAppId
          : sp.servicePrincipalNames.some((n) => n.toLowerCase() === byName!.toLowerCase()),
      );
    return page(all, 'servicePrincipals', filter, 'servicePrincipals');
  }

  // App role assignments of an agent identity, or of a blueprint's principal (what its agents may inherit): list, grant.
  if (collection === 'serviceprincipals' && second && third === 'approleassignments' && fourth === undefined) {
    const agent = state.replicating(second) ? undefined : granteeOf(tenant.agents, tenant.blueprints, second);
    if (!agent) return notFound(second);
    if (request.method === 'GET') {
      if (!has(NEEDS.readRoles)) return denied();
      return answer(200, {
        '@odata.context': `${base}/$metadata#servicePrincipals('${agent.id}')/appRoleAssignments`,
        value: assignmentsOf(agent, tenant.resources),
      });
    }
    if (request.method !== 'POST') return undefined;
    if (!write(NEEDS.grantRoles)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    if (String(body.principalId ?? '').toLowerCase() !== agent.id)
      return error(400, 'Request_BadRequest', "The 'principalId' must be the service principal in the URL.");
    const resource = tenant.resources.find((r) => r.servicePrincipalId === String(body.resourceId ?? '').toLowerCase());
    if (!resource)
      return error(400, 'Request_BadRequest', `Resource '${String(body.resourceId ?? '').slice(0, 40)}' not found.`);
    const role = resource.appRoles.find((r) => r.id === String(body.appRoleId ?? '').toLowerCase());
    if (!role)
      return error(
        400,
        'Request_BadRequest',
        `Permission being assigned was not found on application '${resource.appId}'.`,
      );
    const roles = (agent.roles[resource.identifierUri] ??= []);
    if (roles.includes(role.value))
      return error(400, 'Request_BadRequest', 'Permission being assigned already exists on the object.');
    roles.push(role.value);
    return answer(201, {
      '@odata.context': `${base}/$metadata#appRoleAssignments/$entity`,
      ...assignmentJson(agent, resource, role),
    });
  }

  // Delegated grants of one client (agent identity or blueprint principal), one per resource.
  if (collection === 'oauth2permissiongrants' && second === undefined && request.method === 'GET') {
    if (!has(NEEDS.readGrants)) return denied();
    const filter = (request.query.get('$filter') ?? '').trim();
    const clientId = /^clientId eq '([0-9a-f-]{36})'$/i.exec(filter)?.[1]?.toLowerCase();
    if (!clientId)
      return error(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified: '${filter.slice(0, 80)}'.`,
      );
    const grantee = granteeOf(tenant.agents, tenant.blueprints, clientId);
    const all = grantee
      ? Object.entries(grantee.delegated).flatMap(([key, scopes]) => {
          const k = key.toLowerCase();
          const resource = tenant.resources.find(
            (r) => r.identifierUri.toLowerCase() === k || r.appId === k || `api://${r.appId}` === k,
          );
          return resource && scopes.length
            ? [
                {
                  id: derivedGuid(`grant:${grantee.id}:${resource.appId}`),
                  clientId: grantee.id,
                  consentType: 'AllPrincipals',
                  principalId: null,
                  resourceId: resource.servicePrincipalId,
                  scope: scopes.join(' '),
                },
              ]
            : [];
        })
      : [];
    return page(all, 'oauth2PermissionGrants', filter, 'oauth2PermissionGrants');
  }

  // Delegated grants.
  if (collection === 'oauth2permissiongrants' && second === undefined && request.method === 'POST') {
    if (!write(NEEDS.grantScopes)) return denied();
    const body = jsonBody(request.body);
    if (!body) return badBody();
    const agent = granteeOf(tenant.agents, tenant.blueprints, String(body.clientId ?? '').toLowerCase());
    if (!agent)
      return error(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.",
      );
    const resource = tenant.resources.find((r) => r.servicePrincipalId === String(body.resourceId ?? '').toLowerCase());
    if (!resource)
      return error(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'resourceId' of resource 'OAuth2PermissionGrant'.",
      );
    const consentType = body.consentType;
    if (consentType !== 'AllPrincipals' && consentType !== 'Principal')
      return error(400, 'Request_BadRequest', "Invalid value specified for property 'consentType'.");
    const scopes = String(body.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const unknownScope = scopes.find((s) => !resource.scopes.some((x) => x.value === s));
    if (scopes.length === 0 || unknownScope)
      return error(
        400,
        'Request_BadRequest',
        `Invalid value specified for property 'scope': '${(unknownScope ?? '').slice(0, 60)}' is not a scope of '${resource.displayName}'.`,
      );
    // [I] The sandbox keeps one consent per agent and resource; "Principal" consent counts for every user.
    const held = (agent.delegated[resource.identifierUri] ??= []);
    for (const s of scopes) if (!held.includes(s)) held.push(s);
    return answer(201, {
      '@odata.context': `${base}/$metadata#oauth2PermissionGrants/$entity`,
      id: derivedGuid(`grant:${agent.id}:${resource.appId}`),
      clientId: agent.id,
      consentType,
      principalId: consentType === 'Principal' ? String(body.principalId ?? '') || null : null,
      resourceId: resource.servicePrincipalId,
      scope: held.join(' '),
    });
  }

  // Agent users of an agent identity.
  if (
    collection === 'users' &&
    second === 'microsoft.graph.agentuser' &&
    third === undefined &&
    request.method === 'GET'
  ) {
    if (!has(NEEDS.readUsers)) return denied();
    const filter = (request.query.get('$filter') ?? '').trim();
    const parent = /^identityParentId eq '([0-9a-f-]{36})'$/i.exec(filter)?.[1]?.toLowerCase();
    if (filter && !parent)
      return error(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified: '${filter.slice(0, 80)}'.`,
      );
    const all = tenant.users
      .filter((u) => u.identityParentId && (!parent || u.identityParentId === parent) && !state.replicating(u.id))
      .map((u) => ({
        '@odata.type': '#microsoft.graph.agentUser',
        id: u.id,
        displayName: u.displayName,
        userPrincipalName: u.userPrincipalName,
        identityParentId: u.identityParentId,
      }));
    return page(all, 'users/microsoft.graph.agentUser', filter, 'users/microsoft.graph.agentUser');
  }
  return undefined;
}

/** Whether a delegated token's Directory.AccessAsUser.All blocks an Agent ID write (agent identities, agent users). */
export function accessAsUserBlocks(caller: Caller): boolean {
  return !caller.appOnly && caller.granted.includes(ACCESS_AS_USER);
}

function principalIdOf(blueprint: Blueprint): string {
  return derivedGuid(`sp:${blueprint.clientId}`);
}

function blueprintJson(b: Blueprint) {
  return {
    '@odata.type': '#microsoft.graph.agentIdentityBlueprint',
    id: b.objectId,
    appId: b.clientId,
    displayName: b.displayName,
    identifierUris: [`api://${b.clientId}`],
    ...(b.singleInstance ? { isSingleInstance: true } : {}),
    passwordCredentials: b.passwordCredentials.map((p) => ({ ...p, secretText: null })),
    keyCredentials: b.certificates.map((c) => ({
      customKeyIdentifier: c.x5t,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    })),
  };
}

function resourcePrincipalJson(r: Resource) {
  return {
    id: r.servicePrincipalId,
    appId: r.appId,
    displayName: r.displayName,
    servicePrincipalNames: [r.identifierUri, r.appId],
    appRoles: r.appRoles.map((a) => ({
      id: a.id,
      value: a.value,
      displayName: a.value,
      description: `${a.value} (application permission)`,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
    })),
    oauth2PermissionScopes: r.scopes.map((s) => ({
      id: s.id,
      value: s.value,
      adminConsentDisplayName: s.value,
      adminConsentDescription: `${s.value} (delegated permission)`,
      type: 'Admin',
      isEnabled: true,
    })),
  };
}

/**
 * Who can hold grants: an agent identity (by its object id), or a blueprint's principal, whose grants are the half of
 * inheritance an admin gives. Its grant lists are the directory's own (changed in place).
 */
interface Grantee {
  readonly id: string;
  readonly displayName: string;
  readonly roles: Record<string, string[]>;
  readonly delegated: Record<string, string[]>;
}

function granteeOf(
  agents: ReadonlyMap<string, Agent>,
  blueprints: ReadonlyMap<string, Blueprint>,
  id: string,
): Grantee | undefined {
  const agent = agents.get(id);
  if (agent)
    return { id: agent.objectId, displayName: agent.displayName, roles: agent.roles, delegated: agent.delegated };
  const blueprint = [...blueprints.values()].find((b) => b.principal && principalIdOf(b) === id);
  return blueprint
    ? { id, displayName: blueprint.displayName, roles: blueprint.roles, delegated: blueprint.delegated }
    : undefined;
}

function assignmentJson(agent: Grantee, resource: Resource, role: { id: string; value: string }) {
  return {
    id: derivedGuid(`assignment:${agent.id}:${resource.appId}:${role.value}`),
    appRoleId: role.id,
    createdDateTime: new Date().toISOString(),
    principalDisplayName: agent.displayName,
    principalId: agent.id,
    principalType: 'ServicePrincipal',
    resourceDisplayName: resource.displayName,
    resourceId: resource.servicePrincipalId,
  };
}

function assignmentsOf(agent: Grantee, resources: readonly Resource[]) {
  return Object.entries(agent.roles).flatMap(([key, values]) => {
    const k = key.toLowerCase();
    const resource = resources.find(
      (r) => r.identifierUri.toLowerCase() === k || r.appId === k || `api://${r.appId}` === k,
    );
    if (!resource) return [];
    return values.flatMap((v) => {
      const role = resource.appRoles.find((r) => r.value === v);
      return role ? [assignmentJson(agent, resource, role)] : [];
    });
  });
}

/** The user ids of `…/users/{id}` (or `…/directoryObjects/{id}`) binds. */
function userBinds(value: unknown): string[] | 'invalid' {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return 'invalid';
  const ids: string[] = [];
  for (const v of value) {
    const id = /\/(?:directoryObjects|users)\/([0-9a-f-]{36})$/i.exec(String(v))?.[1]?.toLowerCase();
    if (!id) return 'invalid';
    ids.push(id);
  }
  return ids;
}

function selected(o: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const select = (query.get('$select') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return select.length ? Object.fromEntries(Object.entries(o).filter(([k]) => select.includes(k))) : o;
}

export function jsonBody(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
