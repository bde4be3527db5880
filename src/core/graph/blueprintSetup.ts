// What a signed-in developer does through Microsoft Graph that a blueprint cannot do for itself (shared docs,
// graph-agent-id.md): create a blueprint with its principal and a client secret, discover the tenant's blueprints,
// and grant an agent identity app roles or delegated scopes from the resource's own list. `vscode`-free: the
// extension's commands and any other face run the same steps.
import type { GraphClient } from './graphClient';
import { ConfigError, GraphError, NetworkError } from '../errors/errors';

export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string;
}

export interface BlueprintObject {
  /** The application's object id (Graph's {id} in /applications/{id}). */
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
}

export interface NewSecret {
  readonly secretText: string;
  readonly keyId: string;
  readonly endDateTime: string;
}

/** The steps of making a blueprint, in order. A blueprint that exists but lacks a later step is resumable. */
export type SetupStep = 'principal' | 'secret';
export const SETUP_STEPS: readonly SetupStep[] = ['principal', 'secret'];

export interface SetupResult {
  readonly blueprint: BlueprintObject;
  /** Present when the secret step ran: goes straight to the caller's secret store, never to a log. */
  readonly secret?: NewSecret;
  /** The steps still to do, and why the first of them failed. */
  readonly missing: readonly SetupStep[];
  readonly failure?: unknown;
}

export interface ResourcePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly servicePrincipalNames: readonly string[];
  readonly appRoles: readonly { id: string; value: string; displayName?: string; allowedMemberTypes?: string[] }[];
  readonly oauth2PermissionScopes: readonly { id: string; value: string; adminConsentDisplayName?: string }[];
}

/** The delegated permissions each signed-in task needs, least privilege; never Directory.AccessAsUser.All. */
export const SIGN_IN_PERMISSIONS = {
  discover: ['AgentIdentityBlueprint.Read.All', 'AgentIdentity.Read.All', 'User.Read.All', 'Application.Read.All'],
  create: [
    'User.Read',
    'AgentIdentityBlueprint.Create',
    'AgentIdentityBlueprintPrincipal.Create',
    'AgentIdentityBlueprint.AddRemoveCreds.All',
  ],
  grant: ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'],
  credentials: ['AgentIdentityBlueprint.Read.All', 'AgentIdentityBlueprint.AddRemoveCreds.All'],
  /** New Blueprint… of the single-instance kind: no principal, its one agent identity made by you (beta). */
  createSingleInstance: [
    'User.Read',
    'AgentIdentityBlueprint.Create',
    'AgentIdentityBlueprint.AddRemoveCreds.All',
    'AgentIdentity.Create.All',
  ],
  /** Grant Permissions… on a blueprint: grants to its principal, and its inheritablePermissions. */
  inherit: [
    'AgentIdentityBlueprint.ReadWrite.All',
    'Application.Read.All',
    'AppRoleAssignment.ReadWrite.All',
    'DelegatedPermissionGrant.ReadWrite.All',
  ],
} as const;

export type SignInTask = keyof typeof SIGN_IN_PERMISSIONS;

export function me(graph: GraphClient, signal?: AbortSignal): Promise<GraphUser> {
  return graph.get<GraphUser>('/me?$select=id,userPrincipalName,displayName', opts(signal));
}

export function listBlueprints(graph: GraphClient, signal?: AbortSignal): Promise<BlueprintObject[]> {
  return graph.list<BlueprintObject>(
    '/applications/microsoft.graph.agentIdentityBlueprint?$select=id,appId,displayName',
    opts(signal),
  );
}

/** A blueprint's object id (Graph's {id} in /applications/{id}) by its app id, or undefined. */
export async function blueprintByAppId(
  graph: GraphClient,
  appId: string,
  signal?: AbortSignal,
): Promise<BlueprintObject | undefined> {
  const found = await graph.list<BlueprintObject>(
    `/applications/microsoft.graph.agentIdentityBlueprint?$filter=${encodeURIComponent(`appId eq '${appId}'`)}&$select=id,appId,displayName`,
    opts(signal),
  );
  return found[0];
}

/** The service principal of an application, by app id, or undefined. */
export async function principalOf(
  graph: GraphClient,
  appId: string,
  signal?: AbortSignal,
): Promise<ResourcePrincipal | undefined> {
  const found = await graph.list<ResourcePrincipal>(
    `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${appId}'`)}`,
    opts(signal),
  );
  return found[0];
}

/** A resource's service principal by its identifier URI (api://…, https://graph.microsoft.com) or app id. */
export async function findResource(
  graph: GraphClient,
  resource: string,
  signal?: AbortSignal,
): Promise<ResourcePrincipal | undefined> {
  const value = resource.trim().replace(/\/\.default$/, '');
  if (/^[0-9a-f-]{36}$/i.test(value)) return principalOf(graph, value.toLowerCase(), signal);
  const found = await graph.list<ResourcePrincipal>(
    `/servicePrincipals?$filter=${encodeURIComponent(`servicePrincipalNames/any(n:n eq '${value.replace(/'/g, "''")}')`)}`,
    opts(signal),
  );
  return found[0];
}

/**
 * Creates a blueprint (sponsor: the signed-in user), then its principal, then a client secret. Each later step waits
 * out replication of the earlier one. A failure after the blueprint exists is returned, not thrown, with the steps
 * still to do: the caller records a resumable blueprint and nothing is orphaned silently.
 */
export async function createBlueprint(
  graph: GraphClient,
  input: { displayName: string; sponsorId: string; secretName: string; secretDays?: number },
  onStep: (step: 'blueprint' | SetupStep) => void = () => undefined,
  signal?: AbortSignal,
): Promise<SetupResult> {
  onStep('blueprint');
  const created = await graph.create<BlueprintObject>(
    '/applications/microsoft.graph.agentIdentityBlueprint',
    {
      displayName: input.displayName,
      'sponsors@odata.bind': [`https://graph.microsoft.com/v1.0/users/${input.sponsorId}`],
    },
    opts(signal),
  );
  const blueprint = { id: created.id, appId: created.appId, displayName: created.displayName };
  return finishSetup(graph, blueprint, SETUP_STEPS, input, onStep, signal);
}

/**
 * A single-instance blueprint (agent-id-2026 §1, PREVIEW, Graph beta): created with `isSingleInstance`, no principal,
 * a client secret, then its one agent identity, made by the signed-in user [I: the bodies were not seen]. A failure
 * after the blueprint exists names it and what is left, as `createBlueprint` does.
 */
export async function createSingleInstanceBlueprint(
  graph: GraphClient,
  input: { displayName: string; sponsorId: string; secretName: string; agentName: string; secretDays?: number },
  onStep: (step: 'blueprint' | 'secret' | 'agent') => void = () => undefined,
  signal?: AbortSignal,
): Promise<{ blueprint: BlueprintObject; secret?: NewSecret; agentObjectId?: string; failure?: unknown }> {
  onStep('blueprint');
  const sponsors = { 'sponsors@odata.bind': [`https://graph.microsoft.com/v1.0/users/${input.sponsorId}`] };
  const created = await graph.create<BlueprintObject>(
    '/applications/microsoft.graph.agentIdentityBlueprint',
    { displayName: input.displayName, isSingleInstance: true, ...sponsors },
    { ...opts(signal), version: 'beta' },
  );
  const blueprint = { id: created.id, appId: created.appId, displayName: created.displayName };
  let secret: NewSecret | undefined;
  try {
    onStep('secret');
    secret = await addSecret(graph, blueprint.id, input.secretName, input.secretDays ?? 180, signal);
    onStep('agent');
    const agent = await graph.create<{ id: string }>(
      '/servicePrincipals/microsoft.graph.agentIdentity',
      { displayName: input.agentName, agentIdentityBlueprintId: blueprint.appId, ...sponsors },
      { ...opts(signal, true), version: 'beta' },
    );
    return { blueprint, secret, agentObjectId: agent.id };
  } catch (failure) {
    return { blueprint, ...(secret ? { secret } : {}), failure };
  }
}

/** Runs the missing steps of a blueprint's setup; returns what is still missing if one fails. */
export async function finishSetup(
  graph: GraphClient,
  blueprint: BlueprintObject,
  missing: readonly SetupStep[],
  input: { secretName: string; secretDays?: number },
  onStep: (step: SetupStep) => void = () => undefined,
  signal?: AbortSignal,
): Promise<SetupResult> {
  let secret: NewSecret | undefined;
  const todo = SETUP_STEPS.filter((s) => missing.includes(s));
  for (let i = 0; i < todo.length; i++) {
    const step = todo[i]!;
    onStep(step);
    try {
      if (step === 'principal') await createPrincipal(graph, blueprint.appId, signal);
      else secret = await addSecret(graph, blueprint.id, input.secretName, input.secretDays ?? 180, signal);
    } catch (failure) {
      return { blueprint, ...(secret ? { secret } : {}), missing: todo.slice(i), failure };
    }
  }
  return { blueprint, ...(secret ? { secret } : {}), missing: [] };
}

async function createPrincipal(graph: GraphClient, appId: string, signal?: AbortSignal): Promise<void> {
  try {
    await graph.create(
      '/servicePrincipals/microsoft.graph.agentIdentityBlueprintPrincipal',
      { appId },
      opts(signal, true),
    );
  } catch (e) {
    // Made already (a Finish Setup after a lost answer): that is the state wanted.
    if (e instanceof GraphError && e.status === 409) return;
    throw e;
  }
}

async function addSecret(
  graph: GraphClient,
  objectId: string,
  displayName: string,
  days: number,
  signal?: AbortSignal,
): Promise<NewSecret> {
  let answer: NewSecret;
  try {
    answer = await graph.create<NewSecret>(
      `/applications/${objectId}/microsoft.graph.agentIdentityBlueprint/addPassword`,
      { passwordCredential: { displayName, endDateTime: new Date(Date.now() + days * 86_400_000).toISOString() } },
      { ...opts(signal, true), once: true },
    );
  } catch (e) {
    throw await unconfirmedSecret(graph, objectId, e, signal);
  }
  if (typeof answer?.secretText !== 'string' || !answer.secretText)
    throw new Error('Microsoft Graph added a secret but did not return its value.');
  return { secretText: answer.secretText, keyId: answer.keyId, endDateTime: answer.endDateTime };
}

/**
 * addPassword got no answer it can trust (503, 504, a timeout, a cut connection): Graph may have added the secret
 * anyway, and its value is lost. It is not tried again; the blueprint's secrets are listed, so the user knows what
 * exists and can remove one nobody holds.
 */
async function unconfirmedSecret(
  graph: GraphClient,
  objectId: string,
  e: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const unsure = (e instanceof GraphError && (e.status === 503 || e.status === 504)) || e instanceof NetworkError;
  if (!unsure) return e;
  let listed =
    'Its secrets could not be listed either; look in the Entra admin center (App registrations → the blueprint → Certificates & secrets).';
  try {
    const app = await graph.get<{
      passwordCredentials?: { displayName?: string | null; hint?: string | null; endDateTime?: string | null }[];
    }>(`/applications/${objectId}?$select=passwordCredentials`, opts(signal));
    const secrets = app.passwordCredentials ?? [];
    listed = secrets.length
      ? `The blueprint has ${secrets.length} client secret${secrets.length === 1 ? '' : 's'} now: ${secrets
          .map(
            (p) =>
              `"${(p.displayName ?? '').slice(0, 60)}" (starts ${(p.hint ?? '?').slice(0, 3)}…, until ${(p.endDateTime ?? '?').slice(0, 10)})`,
          )
          .join('; ')}.`
      : 'The blueprint has no client secret: none was added.';
  } catch {
    // the listing is a help, not a requirement
  }
  const status = e instanceof GraphError ? `HTTP ${e.status}` : 'no answer';
  const meaning = `Microsoft Graph did not confirm the new client secret (${status}); it may have added it anyway, and its value is lost. It was not tried again, so that no second secret nobody holds is made. ${listed}`;
  const fix =
    'Remove a secret nobody holds in the Entra admin center (App registrations → the blueprint → Certificates & secrets), then run Finish Setup for a new one.';
  return e instanceof GraphError
    ? new GraphError(e.status, e.code, e.graphMessage, meaning, fix, e.requestId, e.clientRequestId, e.method, e.path)
    : new NetworkError(
        (e as NetworkError).kind,
        `${(e as NetworkError).message} ${meaning} ${fix}`,
        (e as NetworkError).url,
      );
}

export async function appRoleAssignments(
  graph: GraphClient,
  agentId: string,
  signal?: AbortSignal,
): Promise<{ appRoleId: string; resourceId: string }[]> {
  return graph.list(`/servicePrincipals/${agentId}/appRoleAssignments`, opts(signal));
}

export async function grantAppRole(
  graph: GraphClient,
  agentId: string,
  resource: ResourcePrincipal,
  appRoleId: string,
  signal?: AbortSignal,
): Promise<void> {
  await graph.create(
    `/servicePrincipals/${agentId}/appRoleAssignments`,
    { principalId: agentId, resourceId: resource.id, appRoleId },
    opts(signal, true),
  );
}

export async function grantScopes(
  graph: GraphClient,
  agentId: string,
  resource: ResourcePrincipal,
  scopes: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await graph.create(
    '/oauth2PermissionGrants',
    { clientId: agentId, consentType: 'AllPrincipals', resourceId: resource.id, scope: scopes.join(' ') },
    opts(signal, true),
  );
}

function opts(signal: AbortSignal | undefined, fresh = false) {
  return { ...(signal ? { signal } : {}), ...(fresh ? { fresh } : {}) };
}

export interface NewCertificate {
  /** Certificate and private key, PEM: for the file the user picks, nowhere else. */
  readonly pem: string;
  /** The certificate alone, DER in base64: the public part Graph gets. */
  readonly publicDerBase64: string;
  /** SHA-1 thumbprint, hex, as the portal shows it. */
  readonly thumbprint: string;
  readonly notAfter: string;
}

/**
 * A new RSA 2048 key (Node's crypto) and a self-signed certificate for it (node-forge, loaded here only), valid for
 * `days`. The private key is only in the returned PEM.
 */
export async function makeSelfSignedCertificate(commonName: string, days = 365): Promise<NewCertificate> {
  const { generateKeyPairSync, createHash, randomBytes } = await import('node:crypto');
  const forge = (await import('node-forge')).default;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const key = forge.pki.privateKeyFromPem(keyPem) as import('node-forge').pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive serial: the first byte's high bit cleared.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  const name = [{ name: 'commonName', value: commonName.slice(0, 64) || 'Agent identity blueprint' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    pem: `${forge.pki.certificateToPem(cert)}${keyPem}`,
    publicDerBase64: der.toString('base64'),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

/**
 * Uploads a blueprint's first certificate (its public part): PATCH keyCredentials, which replaces the list, so only
 * when it has none (a later one needs addKey with a proof of possession signed by a current key).
 */
export async function uploadFirstCertificate(
  graph: GraphClient,
  objectId: string,
  certificate: Pick<NewCertificate, 'publicDerBase64'>,
  displayName: string,
  signal?: AbortSignal,
): Promise<void> {
  const current = await graph.get<{ keyCredentials?: unknown[] }>(
    `/applications/${objectId}?$select=id,keyCredentials`,
    opts(signal, true),
  );
  if (Array.isArray(current.keyCredentials) && current.keyCredentials.length > 0)
    throw new ConfigError(
      'Certificate',
      `the blueprint has ${current.keyCredentials.length} certificate(s) already; adding one here would replace them.`,
      'Add further certificates in the Entra admin center, or with addKey and a proof of possession signed by a current key.',
    );
  await graph.send(
    'PATCH',
    `/applications/${objectId}`,
    {
      keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.publicDerBase64, displayName }],
    },
    opts(signal, true),
  );
}

/** Trusts a managed identity (or another workload) as the blueprint's credential: a federated identity credential. */
export async function trustFederatedIdentity(
  graph: GraphClient,
  objectId: string,
  input: { name: string; issuer: string; subject: string },
  signal?: AbortSignal,
): Promise<void> {
  await graph.create(
    `/applications/${objectId}/microsoft.graph.agentIdentityBlueprint/federatedIdentityCredentials`,
    { name: input.name, issuer: input.issuer, subject: input.subject, audiences: ['api://AzureADTokenExchange'] },
    opts(signal, true),
  );
}
