import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isGuid, TOKEN_EXCHANGE_APP_ID } from '../core/config/config';

/** What a blueprint lets its agents inherit of one resource's delegated scopes (Graph's inheritableScopes). */
export type InheritableScopes =
  | { readonly kind: 'allAllowed' }
  | { readonly kind: 'none' }
  | { readonly kind: 'enumerated'; readonly scopes: readonly string[] };

/** One entry of a blueprint's inheritablePermissions: a resource app, its scopes and its roles. */
export interface InheritablePermission {
  readonly resourceAppId: string;
  readonly scopes: InheritableScopes;
  /** Graph's inheritableRoles: all the roles granted to the blueprint's principal, or none. */
  readonly roles: 'allAllowed' | 'none';
}

/** The sandbox directory as written in a JSON file (see docs/sandbox.md). */
export interface DirectoryFile {
  tenants: TenantFile[];
  tokenLifetimes?: { t1Seconds?: number; accessTokenSeconds?: number };
}

export interface TenantFile {
  id: string;
  domains?: string[];
  displayName?: string;
  resources?: ResourceFile[];
  blueprints: BlueprintFile[];
  /** Users, and agent users (users whose identity parent is an agent identity). */
  users?: UserFile[];
  /** Public clients that may sign users in with the password grant: the sandbox's way to get a user token. */
  publicClients?: { clientId: string; displayName?: string }[];
  /** User-assigned managed identities the sandbox's managed-identity endpoint can give tokens for. */
  managedIdentities?: { clientId: string; objectId: string }[];
}

export interface UserFile {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  /** For the password grant (sandbox only). Agent users have none. */
  password?: string;
  /** Makes this an agent user of that agent identity (Graph agentUser.identityParentId). */
  identityParentId?: string;
}

export interface ResourceFile {
  appId: string;
  identifierUri: string;
  displayName?: string;
  /** 1 → v1 tokens (like Microsoft Graph), 2 → v2 tokens. Default 2. */
  accessTokenVersion?: 1 | 2;
  /** The app roles it defines (values, e.g. "Forecast.Read"): what Grant Permissions offers, and Graph lists. */
  appRoles?: string[];
  /** The delegated scopes it defines (oauth2PermissionScopes). */
  scopes?: string[];
}

export interface BlueprintFile {
  clientId: string;
  objectId?: string;
  displayName?: string;
  /** Client secret values. The default directory makes one at random per start. */
  clientSecrets?: string[];
  /** PEM certificates whose private keys may sign client assertions. */
  certificates?: string[];
  /** Federated identity credentials: tokens from these issuers, for these subjects, are accepted as assertions. */
  federatedCredentials?: FederatedCredential[];
  disabled?: boolean;
  /** App roles granted to the blueprint itself (its own app token), by resource identifier URI or app id. */
  roles?: Record<string, string[]>;
  /** Delegated scopes an admin consented to for the blueprint's principal, by resource: what agents may inherit. */
  delegated?: Record<string, string[]>;
  /**
   * What its agent identities inherit (agent-id-2026 §3), per resource app id: scopes 'allAllowed', 'none' or a list;
   * roles 'allAllowed' or 'none'. Only what is also granted to the blueprint's principal is inherited.
   */
  inheritablePermissions?: {
    resourceAppId: string;
    scopes?: 'allAllowed' | 'none' | string[];
    roles?: 'allAllowed' | 'none';
  }[];
  /**
   * A single-instance blueprint (Graph beta `isSingleInstance`, agent-id-2026 §1): no service principal, at most one
   * agent identity, which shares the blueprint's client id (its entry leaves `clientId` out, or repeats the
   * blueprint's) and has an object id of its own. Its token is one client-credentials request, no T1.
   */
  singleInstance?: boolean;
  /**
   * A local agent (agent-id-2026 §2): a single-instance blueprint whose client id signs users in as a public client,
   * through /authorize with PKCE, to these redirect URIs (loopback ones match any port).
   */
  publicClient?: { redirectUris: string[] };
  agents: AgentFile[];
}

export interface FederatedCredential {
  issuer: string;
  subject: string;
  /** Default ["api://AzureADTokenExchange"]. */
  audiences?: string[];
}

export interface AgentFile {
  /** For a single-instance blueprint's agent: left out (it is the blueprint's). */
  clientId?: string;
  /** Its service principal's object id: for a classic agent identity, its client id; otherwise derived. */
  objectId?: string;
  displayName?: string;
  disabled?: boolean;
  /** App roles granted, by resource identifier URI or app id. */
  roles?: Record<string, string[]>;
  /** Delegated scopes consented for the agent (oauth2PermissionGrant), by resource identifier URI or app id. */
  delegated?: Record<string, string[]>;
}

export interface Resource extends Required<Omit<ResourceFile, 'displayName' | 'appRoles' | 'scopes'>> {
  displayName: string;
  /** Its service principal's object id (Graph's resourceId in grants). */
  servicePrincipalId: string;
  appRoles: { id: string; value: string }[];
  scopes: { id: string; value: string }[];
}

export interface Agent {
  clientId: string;
  /** Equal to `clientId` for a classic agent identity; its own for a single-instance one. */
  objectId: string;
  displayName: string;
  disabled: boolean;
  roles: Record<string, string[]>;
  delegated: Record<string, string[]>;
  blueprint: Blueprint;
}

export interface Blueprint {
  clientId: string;
  objectId: string;
  displayName: string;
  clientSecrets: string[];
  certificates: { x5tS256: string; x5t: string; publicKey: X509Certificate['publicKey'] }[];
  federatedCredentials: Required<FederatedCredential>[];
  disabled: boolean;
  /** App roles of the blueprint's own app token (e.g. Graph's AgentIdentity.CreateAsManager). */
  roles: Record<string, string[]>;
  /** Delegated scopes consented for its principal, by resource (the granted half of inheritance). */
  delegated: Record<string, string[]>;
  /** Its inheritablePermissions, by resource app id (the listed half of inheritance). */
  inheritable: Map<string, InheritablePermission>;
  /** Single-instance: no principal, one agent identity sharing this client id, one-leg tokens (agent-id-2026 §1). */
  singleInstance: boolean;
  /** Its public-client redirect URIs: a local agent's (empty for the rest). */
  redirectUris: string[];
  agents: Map<string, Agent>;
  /**
   * Whether its service principal exists. Graph creates a blueprint without one (a second call makes it); until then
   * it cannot get tokens (AADSTS7000229) nor have agent identities (AgentIdentity_AgentBlueprintPrincipalDoesNotExist).
   */
  principal: boolean;
  /** Object ids of the users accountable for it (Graph's sponsors). */
  sponsors: string[];
  /** What Graph lists of its client secrets (never the value). */
  passwordCredentials: { keyId: string; displayName: string; hint: string; endDateTime: string }[];
}

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  password?: string;
  /** Set for agent users. */
  identityParentId?: string;
}

export interface Tenant {
  id: string;
  domains: string[];
  displayName: string;
  resources: Resource[];
  blueprints: Map<string, Blueprint>;
  /** Agent identities by object id: a classic one's is its client id; a single-instance one's is its own. */
  agents: Map<string, Agent>;
  users: User[];
  publicClients: Set<string>;
  managedIdentities: { clientId: string; objectId: string }[];
}

export interface Directory {
  tenants: Tenant[];
  t1LifetimeSeconds: number;
  accessTokenLifetimeSeconds: number;
}

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Present in every tenant, like in Entra. */
const builtInResources: ResourceFile[] = [
  {
    appId: TOKEN_EXCHANGE_APP_ID,
    identifierUri: 'api://AzureADTokenExchange',
    displayName: 'AAD Token Exchange Endpoint',
    accessTokenVersion: 2,
  },
  {
    appId: GRAPH_APP_ID,
    identifierUri: 'https://graph.microsoft.com',
    displayName: 'Microsoft Graph',
    accessTokenVersion: 1,
    appRoles: ['User.Read.All', 'Mail.Send', 'Mail.Read', 'Application.Read.All'],
    scopes: ['User.Read', 'User.Read.All', 'Mail.Read', 'Mail.Send'],
  },
];

/** The directory the sandbox serves when given none: one tenant, one blueprint with a fresh secret, two agents. */
export function defaultDirectoryFile(): DirectoryFile {
  return {
    tenants: [
      {
        id: '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b',
        domains: ['sandbox.onmicrosoft.com'],
        displayName: 'Sandbox Tenant',
        resources: [
          {
            appId: '5d1e3c2b-8f4a-4b6c-9d7e-1a2b3c4d5e6f',
            identifierUri: 'api://sandbox-weather',
            displayName: 'Sandbox Weather API',
            accessTokenVersion: 2,
            appRoles: ['Forecast.Read'],
            scopes: ['Forecast.Read'],
          },
          {
            appId: '6e2f4d3c-9a5b-4c7d-8e0f-2b3c4d5e6f70',
            identifierUri: 'api://sandbox-legacy',
            displayName: 'Sandbox Legacy API (v1 tokens, validates v2 only)',
            accessTokenVersion: 1,
            appRoles: ['Legacy.Read'],
          },
          {
            appId: '7f3a5e4d-0b6c-4d8e-9f1a-3c4d5e6f7081',
            identifierUri: 'api://sandbox-partners',
            displayName: 'Sandbox Partners API (refuses agents)',
            accessTokenVersion: 2,
            appRoles: ['Partners.Read'],
          },
        ],
        blueprints: [
          {
            clientId: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
            objectId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
            displayName: 'Sandbox Blueprint',
            clientSecrets: [`sbx~${randomBytes(24).toString('base64url')}`],
            // It manages its own agent identities and their agent users through Graph, with no one signed in.
            roles: { 'https://graph.microsoft.com': [...SANDBOX_BLUEPRINT_GRAPH_ROLES] },
            agents: [
              {
                clientId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
                displayName: 'Research Agent',
                roles: { 'https://graph.microsoft.com': ['User.Read.All'], 'api://sandbox-weather': ['Forecast.Read'] },
                delegated: {
                  'https://graph.microsoft.com': ['User.Read', 'Mail.Read'],
                  'api://sandbox-weather': ['Forecast.Read'],
                },
              },
              {
                clientId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
                displayName: 'Support Agent',
                roles: { 'https://graph.microsoft.com': ['Mail.Send'] },
              },
            ],
          },
          {
            // A single-instance blueprint (preview): its one agent identity shares its client id; one-leg tokens.
            clientId: SANDBOX_SINGLE_INSTANCE_ID,
            objectId: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
            displayName: 'Sandbox Single-Instance Blueprint',
            clientSecrets: [`sbx~${randomBytes(24).toString('base64url')}`],
            singleInstance: true,
            // It is also a local agent: a user signs in to it through /authorize (Sign In to Local Agent…).
            publicClient: { redirectUris: ['http://localhost', 'http://127.0.0.1'] },
            agents: [
              {
                objectId: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70',
                displayName: 'Desk Agent (single-instance)',
                roles: { 'https://graph.microsoft.com': ['User.Read.All'], 'api://sandbox-weather': ['Forecast.Read'] },
              },
            ],
          },
        ],
        users: [
          {
            id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
            userPrincipalName: 'ada@sandbox.onmicrosoft.com',
            displayName: 'Ada Lovelace',
            password: SANDBOX_USER_PASSWORD,
          },
          {
            id: 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f60',
            userPrincipalName: 'research-agent@sandbox.onmicrosoft.com',
            displayName: 'Research Agent (agent user)',
            identityParentId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
          },
        ],
        publicClients: [{ clientId: SANDBOX_PUBLIC_CLIENT_ID, displayName: 'Sandbox sign-in (password grant)' }],
      },
    ],
  };
}

/** The sandbox's single-instance blueprint: its client id is its agent's too. */
export const SANDBOX_SINGLE_INSTANCE_ID = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';

/** What a sandbox blueprint may do through Graph as itself: manage its own agent identities and agent users. */
export const SANDBOX_BLUEPRINT_GRAPH_ROLES = [
  'AgentIdentity.CreateAsManager',
  'AgentIdUser.ReadWrite.IdentityParentedBy',
] as const;

/** The sandbox's own public client and its user's password: for getting a user token (on-behalf-of) without a browser. */
export const SANDBOX_PUBLIC_CLIENT_ID = 'e3f4a5b6-c7d8-4e9f-8a0b-2c3d4e5f6071';
export const SANDBOX_USER_PASSWORD = 'sandbox-user-password';

export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
}

export function loadDirectoryFile(path: string): DirectoryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DirectoryError(
      `Cannot read the directory file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}.`,
    );
  }
  try {
    return JSON.parse(text) as DirectoryFile;
  } catch {
    throw new DirectoryError(`The directory file ${path} is not valid JSON.`);
  }
}

/** Checks a directory file and indexes it. Every error names the path of the bad value. */
export function buildDirectory(file: DirectoryFile): Directory {
  if (!file || !Array.isArray(file.tenants) || file.tenants.length === 0) {
    throw new DirectoryError('The directory needs "tenants": a non-empty array.');
  }
  const seenClients = new Set<string>();
  const tenants = file.tenants.map((t, ti) => {
    const at = `tenants[${ti}]`;
    const id = guid(t.id, `${at}.id`);
    const blueprints = new Map<string, Blueprint>();
    const agents = new Map<string, Agent>();
    if (!Array.isArray(t.blueprints)) throw new DirectoryError(`${at}.blueprints must be an array.`);
    t.blueprints.forEach((b, bi) => {
      const bat = `${at}.blueprints[${bi}]`;
      const clientId = unique(guid(b.clientId, `${bat}.clientId`), seenClients, `${bat}.clientId`);
      const blueprint: Blueprint = {
        clientId,
        objectId: b.objectId ? guid(b.objectId, `${bat}.objectId`) : derivedGuid(`object:${clientId}`),
        displayName: b.displayName ?? 'Blueprint',
        clientSecrets: (b.clientSecrets ?? []).map((s, si) => {
          if (typeof s !== 'string' || !s)
            throw new DirectoryError(`${bat}.clientSecrets[${si}] must be a non-empty string.`);
          return s;
        }),
        certificates: (b.certificates ?? []).map((pem, ci) => certificate(pem, `${bat}.certificates[${ci}]`)),
        federatedCredentials: (b.federatedCredentials ?? []).map((f, fi) => {
          if (typeof f?.issuer !== 'string' || typeof f.subject !== 'string' || !f.issuer || !f.subject)
            throw new DirectoryError(`${bat}.federatedCredentials[${fi}] needs an issuer and a subject.`);
          return { issuer: f.issuer, subject: f.subject, audiences: f.audiences ?? ['api://AzureADTokenExchange'] };
        }),
        disabled: b.disabled === true,
        roles: b.roles ?? {},
        delegated: b.delegated ?? {},
        inheritable: inheritableOf(b.inheritablePermissions, bat),
        singleInstance: b.singleInstance === true,
        redirectUris: redirectUrisOf(b.publicClient, bat),
        agents: new Map(),
        principal: b.singleInstance !== true,
        sponsors: [],
        passwordCredentials: (b.clientSecrets ?? []).map((secret, si) =>
          passwordCredential(secret, `secret ${si + 1}`),
        ),
      };
      if (!Array.isArray(b.agents)) throw new DirectoryError(`${bat}.agents must be an array.`);
      if (blueprint.singleInstance && b.agents.length > 1)
        throw new DirectoryError(
          `${bat} is single-instance: it has at most one agent identity (it has ${b.agents.length}).`,
        );
      b.agents.forEach((a, ai) => {
        const aat = `${bat}.agents[${ai}]`;
        let agentId: string;
        if (blueprint.singleInstance) {
          if (a.clientId !== undefined && guid(a.clientId, `${aat}.clientId`) !== clientId)
            throw new DirectoryError(
              `${aat}.clientId must be left out: a single-instance agent shares its blueprint's client id.`,
            );
          agentId = clientId;
        } else agentId = unique(guid(a.clientId, `${aat}.clientId`), seenClients, `${aat}.clientId`);
        const objectId = a.objectId
          ? guid(a.objectId, `${aat}.objectId`)
          : blueprint.singleInstance
            ? derivedGuid(`instance:${clientId}`)
            : agentId;
        if (!blueprint.singleInstance && objectId !== agentId)
          throw new DirectoryError(`${aat}.objectId must equal its clientId: an agent identity has one id.`);
        const agent: Agent = {
          clientId: agentId,
          objectId,
          displayName: a.displayName ?? 'Agent',
          disabled: a.disabled === true,
          roles: a.roles ?? {},
          delegated: a.delegated ?? {},
          blueprint,
        };
        blueprint.agents.set(agent.clientId, agent);
        // By object id, as Graph names service principals (a classic agent identity's equals its client id).
        agents.set(agent.objectId, agent);
      });
      blueprints.set(clientId, blueprint);
    });
    const resources: Resource[] = [
      ...builtInResources.map((r) => resource(r, r.appId)),
      ...(t.resources ?? []).map((r, ri) => resource(r, guid(r.appId, `${at}.resources[${ri}].appId`))),
    ];
    // Every blueprint is also a resource: user tokens for the on-behalf-of flow are issued to it (api://{blueprint}).
    for (const b of blueprints.values()) resources.push(blueprintResource(b));
    const users = (t.users ?? []).map((u, ui) => {
      const uat = `${at}.users[${ui}]`;
      const parent = u.identityParentId === undefined ? undefined : guid(u.identityParentId, `${uat}.identityParentId`);
      if (parent && !agents.has(parent))
        throw new DirectoryError(`${uat}.identityParentId ${parent} is not an agent identity of this tenant.`);
      if (typeof u.userPrincipalName !== 'string' || !u.userPrincipalName.includes('@'))
        throw new DirectoryError(`${uat}.userPrincipalName must be a UPN (name@domain).`);
      return {
        id: guid(u.id, `${uat}.id`),
        userPrincipalName: u.userPrincipalName.toLowerCase(),
        displayName: u.displayName ?? u.userPrincipalName,
        ...(u.password ? { password: u.password } : {}),
        ...(parent ? { identityParentId: parent } : {}),
      };
    });
    const publicClients = new Set(
      (t.publicClients ?? []).map((c, ci) =>
        unique(
          guid(c.clientId, `${at}.publicClients[${ci}].clientId`),
          seenClients,
          `${at}.publicClients[${ci}].clientId`,
        ),
      ),
    );
    const managedIdentities = (t.managedIdentities ?? []).map((m, mi) => ({
      clientId: guid(m.clientId, `${at}.managedIdentities[${mi}].clientId`),
      objectId: guid(m.objectId, `${at}.managedIdentities[${mi}].objectId`),
    }));
    return {
      id,
      domains: (t.domains ?? []).map((d) => String(d).toLowerCase()),
      displayName: t.displayName ?? 'Tenant',
      resources,
      blueprints,
      agents,
      users,
      publicClients,
      managedIdentities,
    };
  });
  return {
    tenants,
    t1LifetimeSeconds: positive(file.tokenLifetimes?.t1Seconds, 3900, 'tokenLifetimes.t1Seconds'),
    accessTokenLifetimeSeconds: positive(
      file.tokenLifetimes?.accessTokenSeconds,
      29100,
      'tokenLifetimes.accessTokenSeconds',
    ),
  };
}

export function findTenant(directory: Directory, idOrDomain: string): Tenant | undefined {
  const key = idOrDomain.toLowerCase();
  return directory.tenants.find((t) => t.id === key || t.domains.includes(key));
}

/** A resource by `<identifier URI>`, `<app id>` or `api://<app id>`. */
export function findResource(tenant: Tenant, resource: string): Resource | undefined {
  const r = resource.toLowerCase();
  return tenant.resources.find((x) => x.identifierUri.toLowerCase() === r || x.appId === r || `api://${x.appId}` === r);
}

function resource(r: ResourceFile, appId: string): Resource {
  const named = (values: string[] | undefined, kind: string) =>
    (Array.isArray(values) ? values : []).map((v) => ({
      id: derivedGuid(`${kind}:${appId}:${String(v)}`),
      value: String(v),
    }));
  return {
    appId,
    identifierUri: String(r.identifierUri ?? ''),
    displayName: r.displayName ?? 'Resource',
    accessTokenVersion: r.accessTokenVersion === 1 ? 1 : 2,
    servicePrincipalId: derivedGuid(`sp:${appId}`),
    appRoles: named(r.appRoles, 'role'),
    scopes: named(r.scopes, 'scope'),
  };
}

/** A blueprint as a resource: the on-behalf-of flow's user tokens are issued to it (api://{blueprint}/access_as_user). */
export function blueprintResource(b: Blueprint): Resource {
  return resource(
    { appId: b.clientId, identifierUri: `api://${b.clientId}`, displayName: b.displayName, scopes: ['access_as_user'] },
    b.clientId,
  );
}

/** What Graph shows of a client secret: its id, name, the first three characters (hint) and its end. */
export function passwordCredential(
  secret: string,
  displayName: string,
  endDateTime = new Date(Date.now() + 180 * 86_400_000).toISOString(),
): Blueprint['passwordCredentials'][number] {
  return { keyId: derivedGuid(`password:${secret}`), displayName, hint: secret.slice(0, 3), endDateTime };
}

function redirectUrisOf(publicClient: BlueprintFile['publicClient'], at: string): string[] {
  return (publicClient?.redirectUris ?? []).map((u, i) => {
    try {
      const url = new URL(String(u));
      if (url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname)))
        return url.href;
    } catch {
      // below
    }
    throw new DirectoryError(
      `${at}.publicClient.redirectUris[${i}] must be an https URL or http on localhost/127.0.0.1.`,
    );
  });
}

function inheritableOf(
  entries: BlueprintFile['inheritablePermissions'],
  at: string,
): Map<string, InheritablePermission> {
  const map = new Map<string, InheritablePermission>();
  (entries ?? []).forEach((e, i) => {
    const eat = `${at}.inheritablePermissions[${i}]`;
    const resourceAppId = guid(e?.resourceAppId, `${eat}.resourceAppId`);
    const scopes = e.scopes ?? 'none';
    map.set(resourceAppId, {
      resourceAppId,
      scopes: Array.isArray(scopes)
        ? { kind: 'enumerated', scopes: scopes.map(String) }
        : scopes === 'allAllowed'
          ? { kind: 'allAllowed' }
          : { kind: 'none' },
      roles: e.roles === 'allAllowed' ? 'allAllowed' : 'none',
    });
  });
  return map;
}

function guid(value: unknown, at: string): string {
  if (typeof value !== 'string' || !isGuid(value)) throw new DirectoryError(`${at} must be a GUID.`);
  return value.toLowerCase();
}

function unique(id: string, seen: Set<string>, at: string): string {
  if (seen.has(id))
    throw new DirectoryError(`${at} ${id} appears twice; every blueprint and agent identity needs its own client id.`);
  seen.add(id);
  return id;
}

/** A certificate Graph was given (keyCredentials' key: DER, base64), as the token endpoint checks assertions. */
export function certificateFromDer(base64: string, at: string): Blueprint['certificates'][number] {
  return certificate(Buffer.from(base64, 'base64'), at);
}

function certificate(pem: unknown, at: string): Blueprint['certificates'][number] {
  try {
    const cert = new X509Certificate(Buffer.isBuffer(pem) ? pem : String(pem));
    return {
      x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
      x5t: createHash('sha1').update(cert.raw).digest('base64url'),
      publicKey: cert.publicKey,
    };
  } catch {
    throw new DirectoryError(`${at} is not a PEM certificate.`);
  }
}

function positive(value: unknown, fallback: number, at: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new DirectoryError(`${at} must be a positive integer.`);
  return value;
}

/** A stable GUID derived from text, for object ids the directory file leaves out. */
export function derivedGuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Registers a blueprint in a running sandbox's tenant, as provisioning would (the user added it on the sandbox):
 * a client secret, no agents yet. Its agents get Graph's User.Read.All, as the sandbox's own first agent has, so a
 * token can be had at once. Refuses a client id the tenant already has.
 */
export function registerBlueprint(
  tenant: Tenant,
  input: { clientId: string; displayName: string; clientSecret: string; singleInstance?: boolean },
): Blueprint {
  const clientId = guid(input.clientId, 'clientId');
  if (tenant.blueprints.has(clientId) || tenant.agents.has(clientId))
    throw new DirectoryError(`The sandbox tenant already has an application with client id ${clientId}.`);
  if (!input.clientSecret) throw new DirectoryError('A blueprint added on the sandbox needs a client secret.');
  const blueprint: Blueprint = {
    clientId,
    objectId: derivedGuid(`object:${clientId}`),
    displayName: input.displayName || 'Blueprint',
    clientSecrets: [input.clientSecret],
    certificates: [],
    federatedCredentials: [],
    disabled: false,
    // As the sandbox's own blueprint: it may manage its agent identities and agent users through Graph.
    roles: { 'https://graph.microsoft.com': [...SANDBOX_BLUEPRINT_GRAPH_ROLES] },
    delegated: {},
    inheritable: new Map(),
    singleInstance: input.singleInstance === true,
    redirectUris: [],
    agents: new Map(),
    principal: input.singleInstance !== true,
    sponsors: [],
    passwordCredentials: [passwordCredential(input.clientSecret, 'added on the sandbox')],
  };
  tenant.blueprints.set(clientId, blueprint);
  tenant.resources.push(blueprintResource(blueprint));
  return blueprint;
}

/** Registers an agent identity under a blueprint registered with `registerBlueprint`. */
export function registerAgent(
  tenant: Tenant,
  blueprintId: string,
  input: { clientId: string; displayName: string },
): Agent {
  const blueprint = tenant.blueprints.get(guid(blueprintId, 'blueprintId'));
  if (!blueprint) throw new DirectoryError(`The sandbox tenant has no blueprint ${blueprintId}.`);
  const clientId = guid(input.clientId, 'clientId');
  if (blueprint.singleInstance) {
    if (clientId !== blueprint.clientId || blueprint.agents.size > 0)
      throw new DirectoryError(
        `Blueprint ${blueprint.clientId} is single-instance: its one agent identity shares its client id.`,
      );
  } else if (tenant.blueprints.has(clientId) || tenant.agents.has(clientId))
    throw new DirectoryError(`The sandbox tenant already has an application with client id ${clientId}.`);
  const objectId = blueprint.singleInstance ? derivedGuid(`instance:${clientId}`) : clientId;
  const agent: Agent = {
    clientId,
    objectId,
    displayName: input.displayName || 'Agent',
    disabled: false,
    roles: { 'https://graph.microsoft.com': ['User.Read.All'] },
    delegated: {},
    blueprint,
  };
  blueprint.agents.set(clientId, agent);
  tenant.agents.set(objectId, agent);
  return agent;
}
