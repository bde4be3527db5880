// The rules for blueprint and agent identity definitions, and for import files: pure (no vscode), so the property
// tests can feed them generated input. DefinitionStore keeps the definitions; this module decides what is valid.
import { isAllowedAuthority } from '../../core/config/authorityPolicy';
import {
  DEFAULT_AUTHORITY,
  DEFAULT_SCOPE,
  isGuid,
  isLoopbackHost,
  validateAuthority,
  validateClientId,
  validateDefaultScope,
  validateTenant,
} from '../../core/config/config';
import { ConfigError } from '../../core/errors/errors';

export type CredentialKind = 'secret' | 'certificate' | 'federatedTokenFile' | 'managedIdentity';

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [
  'secret',
  'certificate',
  'federatedTokenFile',
  'managedIdentity',
];

export const CREDENTIAL_LABELS: Readonly<Record<CredentialKind, string>> = {
  secret: 'client secret',
  certificate: 'certificate',
  federatedTokenFile: 'federated token file',
  managedIdentity: 'managed identity',
};

/** A blueprint as the extension keeps it. Never holds a secret: those live in SecretStorage. */
export interface BlueprintDefinition {
  /** The blueprint's client id; also its key here. */
  readonly clientId: string;
  readonly displayName: string;
  readonly tenant: string;
  readonly authority: string;
  readonly credentialKind: CredentialKind;
  /** PEM file holding certificate and key, for the certificate kind. A path, not a secret. */
  readonly certificatePath?: string;
  readonly assertionAlgorithm?: 'PS256' | 'RS256';
  /** For the federatedTokenFile kind: the file a platform keeps a workload token in. A path, not a secret. */
  readonly federatedTokenFile?: string;
  /** For the managedIdentity kind: a user-assigned identity's client id; none for system-assigned. */
  readonly managedIdentityClientId?: string;
  /** Belongs to the running sandbox tenant: kept in memory only. */
  readonly sandbox?: boolean;
  /**
   * Single-instance (preview, agent-id-2026 §1): its one agent identity shares this client id, holds the permissions,
   * and gets its token in one request with this blueprint's credential (no T1, no fmi_path).
   */
  readonly singleInstance?: true;
  /**
   * Came from an import with a credential that needs no secret typed (certificate, federated token file, managed
   * identity): the user confirms where it sends that credential before its first use.
   */
  readonly confirmBeforeUse?: true;
  /**
   * Created through Graph, with steps of its setup still to do (a failure or Cancel on the way): the row offers
   * Finish Setup. Graph's object id (for /applications/{id}/…) and the steps; never a secret.
   */
  readonly setup?: BlueprintSetupState;
}

export interface BlueprintSetupState {
  readonly objectId: string;
  readonly missing: readonly ('principal' | 'secret')[];
}

export interface AgentDefinition {
  /** The agent identity's client id; also its key here. */
  readonly clientId: string;
  readonly blueprintId: string;
  readonly displayName: string;
  readonly defaultScope: string;
  /** The agent identity's home tenant, when it is not its blueprint's: leg 1 must go there (else AADSTS700211). */
  readonly tenant?: string;
  /** Agent users of this agent identity the user has used (or the sandbox knows). */
  readonly agentUsers?: readonly AgentUserReference[];
}

/** An agent identity with its blueprint: what a command acts on, resolved once and passed down. */
export interface AgentTarget {
  readonly agent: AgentDefinition;
  readonly blueprint: BlueprintDefinition;
}

/** An agent user, by object id (preferred) or UPN. */
export interface AgentUserReference {
  readonly userId?: string;
  readonly username?: string;
  readonly displayName?: string;
}

export function agentUserLabel(u: AgentUserReference): string {
  return u.displayName ?? u.username ?? u.userId ?? 'agent user';
}

/** Names come from users and import files; they are labels, and every log line and tooltip carries them. */
export const MAX_NAME_LENGTH = 256;

function checkName(value: string, field: string, what: string): string {
  const name = value.trim();
  if (!name) throw new ConfigError(field, 'is empty.', `Give the ${what} a name to recognise it by.`);
  if (name.length > MAX_NAME_LENGTH)
    throw new ConfigError(
      field,
      `is ${name.length.toLocaleString('en-US')} characters long.`,
      `Keep it to ${MAX_NAME_LENGTH} characters.`,
    );
  return name;
}

export type BlueprintInput = Omit<BlueprintDefinition, 'authority' | 'sandbox'> & { authority?: string };

/** Checks a blueprint's fields; the messages are the core's, naming the field. */
export function validateBlueprint(input: BlueprintInput, allowedHosts: readonly string[]): BlueprintDefinition {
  const authority = validateAuthority(input.authority ?? DEFAULT_AUTHORITY, 'Authority');
  if (!isAllowedAuthority(authority, allowedHosts)) {
    throw new ConfigError(
      'Authority',
      `${new URL(authority).host} is not an Entra sign-in host.`,
      'Use an Entra cloud authority, or add the host to the user setting "entraAgentTokens.additionalAuthorityHosts".',
    );
  }
  if (!CREDENTIAL_KINDS.includes(input.credentialKind)) {
    throw new ConfigError(
      'Credential kind',
      `"${String(input.credentialKind)}" is not a credential kind.`,
      `Use one of ${CREDENTIAL_KINDS.join(', ')}.`,
    );
  }
  if (input.credentialKind === 'certificate' && !input.certificatePath) {
    throw new ConfigError(
      'Certificate',
      'no PEM file was chosen.',
      'Choose the PEM file that holds the certificate and its private key.',
    );
  }
  if (input.credentialKind === 'federatedTokenFile' && !input.federatedTokenFile?.trim()) {
    throw new ConfigError(
      'Federated token file',
      'is empty.',
      'Give the path of the file your platform writes the workload token to (AZURE_FEDERATED_TOKEN_FILE in AKS).',
    );
  }
  if (
    input.credentialKind === 'managedIdentity' &&
    input.managedIdentityClientId &&
    !isGuid(input.managedIdentityClientId.trim())
  ) {
    throw new ConfigError(
      'Managed identity client id',
      `"${input.managedIdentityClientId.slice(0, 40)}" is not a GUID.`,
      "Give a user-assigned identity's client id, or leave it empty for the system-assigned identity.",
    );
  }
  const displayName = checkName(input.displayName, 'Display name', 'blueprint');
  return {
    clientId: validateClientId(input.clientId, 'Blueprint client id', 'agent identity blueprint'),
    displayName,
    tenant: validateTenant(input.tenant, 'Tenant'),
    authority,
    credentialKind: input.credentialKind,
    ...(input.credentialKind === 'certificate'
      ? { certificatePath: input.certificatePath, assertionAlgorithm: input.assertionAlgorithm ?? 'PS256' }
      : {}),
    ...(input.credentialKind === 'federatedTokenFile' ? { federatedTokenFile: input.federatedTokenFile!.trim() } : {}),
    ...(input.credentialKind === 'managedIdentity' && input.managedIdentityClientId?.trim()
      ? { managedIdentityClientId: input.managedIdentityClientId.trim().toLowerCase() }
      : {}),
    ...setupOf(input.setup),
    ...(input.singleInstance === true ? { singleInstance: true as const } : {}),
  };
}

/** A single-instance blueprint's agent identity: the one whose client id is its blueprint's. */
export function isSingleInstanceAgent(agent: Pick<AgentDefinition, 'clientId' | 'blueprintId'>): boolean {
  return agent.clientId === agent.blueprintId;
}

/** A well-formed setup state, or nothing (an import or an old state cannot inject a half-made one). */
function setupOf(setup: unknown): { setup?: BlueprintSetupState } {
  if (typeof setup !== 'object' || setup === null) return {};
  const { objectId, missing } = setup as { objectId?: unknown; missing?: unknown };
  if (typeof objectId !== 'string' || !isGuid(objectId) || !Array.isArray(missing)) return {};
  const steps = (['principal', 'secret'] as const).filter((s) => missing.includes(s));
  return steps.length ? { setup: { objectId: objectId.toLowerCase(), missing: steps } } : {};
}

export function validateAgent(input: AgentDefinition): AgentDefinition {
  const displayName = checkName(input.displayName, 'Display name', 'agent identity');
  return {
    clientId: validateClientId(input.clientId, 'Agent identity client id', 'agent identity'),
    blueprintId: input.blueprintId.toLowerCase(),
    displayName,
    defaultScope: validateDefaultScope(input.defaultScope, 'Default scope'),
    ...(input.tenant?.trim() ? { tenant: validateTenant(input.tenant, 'Agent home tenant') } : {}),
  };
}

export const DEFINITIONS_FILE_KIND = 'entra-agent-tokens/definitions';

/** The blueprint and agent lists of an export file, not yet validated. */
export interface DefinitionsFileContent {
  readonly blueprints: unknown[];
  readonly agents: unknown[];
}

export interface ImportPlan {
  readonly blueprints: BlueprintDefinition[];
  readonly agents: AgentDefinition[];
  readonly skipped: string[];
}

/** An export file's text: JSON of the right kind and version, or a ConfigError saying what it is not. */
export function parseDefinitionsFile(text: string): DefinitionsFileContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'Import file',
      'is not JSON.',
      'Choose a file made by "Export Blueprints and Agent Identities…".',
    );
  }
  const file = parsed as { kind?: unknown; version?: unknown; blueprints?: unknown; agents?: unknown } | null;
  if (
    !file ||
    typeof file !== 'object' ||
    file.kind !== DEFINITIONS_FILE_KIND ||
    file.version !== 1 ||
    !Array.isArray(file.blueprints) ||
    !Array.isArray(file.agents)
  ) {
    throw new ConfigError(
      'Import file',
      'is not an Entra Agent Tokens export (version 1).',
      'Choose a file made by "Export Blueprints and Agent Identities…".',
    );
  }
  return { blueprints: file.blueprints as unknown[], agents: file.agents as unknown[] };
}

/**
 * What an import adds: every entry is validated first (the authority allow-list too), so a bad entry throws a
 * ConfigError naming where it is and nothing is added. Ids already present are skipped: an import never changes a
 * blueprint or agent identity the user has, nor points it at another host. A file is as hostile as a pasted token: it
 * may name a loopback authority only if it is the running sandbox's (anything could listen on another port), and a
 * blueprint whose credential needs no secret typed is marked to be confirmed before its first use.
 */
export function planImport(
  file: DefinitionsFileContent,
  present: { blueprints: readonly BlueprintDefinition[]; agents: readonly AgentDefinition[] },
  allowedHosts: readonly string[],
  sandboxOrigin?: string,
): ImportPlan {
  const { blueprints, agents } = file;
  // A single-instance agent shares its blueprint's client id: blueprints and agents are told apart by list.
  const known = new Set(present.blueprints.map((b) => b.clientId));
  const knownAgents = new Set(present.agents.map((a) => a.clientId));
  const skipped: string[] = [];
  const newBlueprints: BlueprintDefinition[] = [];
  blueprints.forEach((raw, i) => {
    const r = fields(raw, `blueprints[${i}]`);
    const b = located(`blueprints[${i}]`, () =>
      validateBlueprint(
        {
          clientId: str(r.clientId),
          displayName: str(r.displayName),
          tenant: str(r.tenant),
          ...(r.authority !== undefined ? { authority: str(r.authority) } : {}),
          credentialKind: str(r.credentialKind) as CredentialKind,
          ...(r.certificatePath !== undefined
            ? {
                certificatePath: str(r.certificatePath),
                assertionAlgorithm: r.assertionAlgorithm === 'RS256' ? ('RS256' as const) : ('PS256' as const),
              }
            : {}),
          ...(r.federatedTokenFile !== undefined ? { federatedTokenFile: str(r.federatedTokenFile) } : {}),
          ...(r.managedIdentityClientId !== undefined
            ? { managedIdentityClientId: str(r.managedIdentityClientId) }
            : {}),
          ...((raw as { singleInstance?: unknown }).singleInstance === true ? { singleInstance: true as const } : {}),
        },
        allowedHosts,
      ),
    );
    if (known.has(b.clientId) || knownAgents.has(b.clientId)) skipped.push(b.clientId);
    else if (isLoopbackHost(new URL(b.authority).hostname) && b.authority !== sandboxOrigin) {
      // Only for what would be added: an entry skipped as already present changes nothing.
      throw new ConfigError(
        `blueprints[${i}]: Authority`,
        `${new URL(b.authority).host} is a local port, and an import may point only at the running sandbox${sandboxOrigin ? ` (${sandboxOrigin})` : ', which is not running'}.`,
        'Anything could be listening there. If you run a local tenant on that port, add the blueprint with "Add Blueprint…" instead.',
      );
    } else {
      known.add(b.clientId);
      newBlueprints.push(b.credentialKind === 'secret' ? b : { ...b, confirmBeforeUse: true });
    }
  });
  const parentList = [...present.blueprints.filter((b) => !b.sandbox), ...newBlueprints];
  const parents = new Set(parentList.map((b) => b.clientId));
  const singleInstance = new Set(parentList.filter((b) => b.singleInstance).map((b) => b.clientId));
  const newAgents: AgentDefinition[] = [];
  agents.forEach((raw, i) => {
    const input = fields(raw, `agents[${i}]`) as unknown as AgentDefinition;
    const a = located(`agents[${i}]`, () =>
      validateAgent({
        blueprintId: str(input.blueprintId),
        displayName: str(input.displayName),
        clientId: str(input.clientId),
        defaultScope: input.defaultScope === undefined ? DEFAULT_SCOPE : str(input.defaultScope),
        ...(input.tenant !== undefined ? { tenant: str(input.tenant) } : {}),
      }),
    );
    if (!parents.has(a.blueprintId))
      throw new ConfigError(
        `agents[${i}].blueprintId`,
        `${a.blueprintId} is neither in the file nor in the list.`,
        'Export the blueprint together with its agent identities.',
      );
    if (singleInstance.has(a.blueprintId) !== isSingleInstanceAgent(a))
      throw new ConfigError(
        `agents[${i}].clientId`,
        singleInstance.has(a.blueprintId)
          ? `${a.clientId} differs from its single-instance blueprint's client id ${a.blueprintId}.`
          : `${a.clientId} is its blueprint's own client id, but the blueprint is not single-instance.`,
        "A single-instance agent identity shares its blueprint's client id; a classic one has its own.",
      );
    const users = Array.isArray(input.agentUsers)
      ? input.agentUsers
          .filter((u) => u && (typeof u.userId === 'string' || typeof u.username === 'string'))
          .map((u, j) => agentUserEntry(u, `agents[${i}].agentUsers[${j}]`))
      : [];
    if (knownAgents.has(a.clientId) || (known.has(a.clientId) && !isSingleInstanceAgent(a))) skipped.push(a.clientId);
    else {
      knownAgents.add(a.clientId);
      newAgents.push(users.length ? { ...a, agentUsers: users } : a);
    }
  });
  return { blueprints: newBlueprints, agents: newAgents, skipped };
}

function agentUserEntry(u: AgentUserReference, at: string): AgentUserReference {
  const field = (v: unknown, name: string) =>
    v ? located(at, () => checkName(String(v), name, 'agent user')) : undefined;
  const userId = field(u.userId, 'userId');
  const username = field(u.username, 'username');
  const displayName = field(u.displayName, 'displayName');
  return { ...(userId ? { userId } : {}), ...(username ? { username } : {}), ...(displayName ? { displayName } : {}) };
}

function fields(raw: unknown, at: string): Record<string, string | undefined> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(at, 'is not an object.', 'Import a file made by "Export Blueprints and Agent Identities…".');
  return raw as Record<string, string | undefined>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A validation error, with where in the imported file it is. */
function located<T>(at: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${at}: ${e.field}`, e.problem, e.fix);
    throw e;
  }
}
