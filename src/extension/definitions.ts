import * as vscode from 'vscode';
import { isAllowedAuthority } from '../core/authorityPolicy';
import { DEFAULT_AUTHORITY, DEFAULT_SCOPE, isGuid, validateAuthority, validateClientId, validateDefaultScope, validateTenant } from '../core/config';
import { ConfigError } from '../core/errors';

export type CredentialKind = 'secret' | 'certificate' | 'federatedTokenFile' | 'managedIdentity';

export const CREDENTIAL_KINDS: readonly CredentialKind[] = ['secret', 'certificate', 'federatedTokenFile', 'managedIdentity'];

export const CREDENTIAL_LABELS: Readonly<Record<CredentialKind, string>> = { secret: 'client secret', certificate: 'certificate', federatedTokenFile: 'federated token file', managedIdentity: 'managed identity' };

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
}

export interface AgentDefinition {
  /** The agent identity's client id; also its key here. */
  readonly clientId: string;
  readonly blueprintId: string;
  readonly displayName: string;
  readonly defaultScope: string;
  /** Agent users of this agent identity the user has used (or the sandbox knows). */
  readonly agentUsers?: readonly AgentUserReference[];
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

interface Persisted {
  readonly version: 1;
  readonly blueprints: BlueprintDefinition[];
  readonly agents: AgentDefinition[];
}

const STATE_KEY = 'entraAgentTokens.definitions';

/**
 * Blueprints and agent identities: the user's in global state (they follow the user, not a workspace), the sandbox's in
 * memory. Every change is validated as a whole before it is written, so a bad input never leaves a half-written list.
 */
export class DefinitionStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private sandboxBlueprints: BlueprintDefinition[] = [];
  private sandboxAgents: AgentDefinition[] = [];

  constructor(
    private readonly memento: vscode.Memento,
    private readonly allowedHosts: () => readonly string[],
  ) {}

  blueprints(): BlueprintDefinition[] {
    return [...this.persisted().blueprints, ...this.sandboxBlueprints];
  }

  agents(blueprintId?: string): AgentDefinition[] {
    const all = [...this.persisted().agents, ...this.sandboxAgents];
    return blueprintId === undefined ? all : all.filter((a) => a.blueprintId === blueprintId);
  }

  blueprint(clientId: string): BlueprintDefinition | undefined {
    const id = clientId.toLowerCase();
    return this.blueprints().find((b) => b.clientId === id);
  }

  agent(clientId: string): AgentDefinition | undefined {
    const id = clientId.toLowerCase();
    return this.agents().find((a) => a.clientId === id);
  }

  /** Checks a blueprint's fields; the messages are the core's, naming the field. */
  validateBlueprint(input: Omit<BlueprintDefinition, 'authority' | 'sandbox'> & { authority?: string }): BlueprintDefinition {
    const authority = validateAuthority(input.authority ?? DEFAULT_AUTHORITY, 'Authority');
    if (!isAllowedAuthority(authority, this.allowedHosts())) {
      throw new ConfigError('Authority', `${new URL(authority).host} is not an Entra sign-in host.`, 'Use an Entra cloud authority, or add the host to the user setting "entraAgentTokens.additionalAuthorityHosts".');
    }
    if (!CREDENTIAL_KINDS.includes(input.credentialKind)) {
      throw new ConfigError('Credential kind', `"${String(input.credentialKind)}" is not a credential kind.`, `Use one of ${CREDENTIAL_KINDS.join(', ')}.`);
    }
    if (input.credentialKind === 'certificate' && !input.certificatePath) {
      throw new ConfigError('Certificate', 'no PEM file was chosen.', 'Choose the PEM file that holds the certificate and its private key.');
    }
    if (input.credentialKind === 'federatedTokenFile' && !input.federatedTokenFile?.trim()) {
      throw new ConfigError('Federated token file', 'is empty.', 'Give the path of the file your platform writes the workload token to (AZURE_FEDERATED_TOKEN_FILE in AKS).');
    }
    if (input.credentialKind === 'managedIdentity' && input.managedIdentityClientId && !isGuid(input.managedIdentityClientId.trim())) {
      throw new ConfigError('Managed identity client id', `"${input.managedIdentityClientId.slice(0, 40)}" is not a GUID.`, 'Give a user-assigned identity\'s client id, or leave it empty for the system-assigned identity.');
    }
    const displayName = input.displayName.trim();
    if (!displayName) throw new ConfigError('Display name', 'is empty.', 'Give the blueprint a name to recognise it by.');
    return {
      clientId: validateClientId(input.clientId, 'Blueprint client id', 'agent identity blueprint'),
      displayName,
      tenant: validateTenant(input.tenant, 'Tenant'),
      authority,
      credentialKind: input.credentialKind,
      ...(input.credentialKind === 'certificate' ? { certificatePath: input.certificatePath, assertionAlgorithm: input.assertionAlgorithm ?? 'PS256' } : {}),
      ...(input.credentialKind === 'federatedTokenFile' ? { federatedTokenFile: input.federatedTokenFile!.trim() } : {}),
      ...(input.credentialKind === 'managedIdentity' && input.managedIdentityClientId?.trim() ? { managedIdentityClientId: input.managedIdentityClientId.trim().toLowerCase() } : {}),
    };
  }

  validateAgent(input: AgentDefinition): AgentDefinition {
    const displayName = input.displayName.trim();
    if (!displayName) throw new ConfigError('Display name', 'is empty.', 'Give the agent identity a name to recognise it by.');
    return {
      clientId: validateClientId(input.clientId, 'Agent identity client id', 'agent identity'),
      blueprintId: input.blueprintId.toLowerCase(),
      displayName,
      defaultScope: validateDefaultScope(input.defaultScope, 'Default scope'),
    };
  }

  async addBlueprint(input: Parameters<DefinitionStore['validateBlueprint']>[0]): Promise<BlueprintDefinition> {
    const blueprint = this.validateBlueprint(input);
    if (this.blueprint(blueprint.clientId) || this.agent(blueprint.clientId)) {
      throw new ConfigError('Blueprint client id', `${blueprint.clientId} is already in the list.`, 'Edit the existing blueprint instead.');
    }
    const state = this.persisted();
    await this.write({ ...state, blueprints: [...state.blueprints, blueprint] });
    return blueprint;
  }

  async updateBlueprint(clientId: string, patch: Partial<Omit<BlueprintDefinition, 'clientId' | 'sandbox'>>): Promise<BlueprintDefinition> {
    const state = this.persisted();
    const current = state.blueprints.find((b) => b.clientId === clientId.toLowerCase());
    if (!current) throw new ConfigError('Blueprint', `${clientId} is not a blueprint you added.`, 'Pick a blueprint from the list.');
    const next = this.validateBlueprint({ ...current, ...patch });
    await this.write({ ...state, blueprints: state.blueprints.map((b) => (b === current ? next : b)) });
    return next;
  }

  async removeBlueprint(clientId: string): Promise<{ blueprint: BlueprintDefinition; agents: AgentDefinition[] } | undefined> {
    const state = this.persisted();
    const blueprint = state.blueprints.find((b) => b.clientId === clientId.toLowerCase());
    if (!blueprint) return undefined;
    const agents = state.agents.filter((a) => a.blueprintId === blueprint.clientId);
    await this.write({ ...state, blueprints: state.blueprints.filter((b) => b !== blueprint), agents: state.agents.filter((a) => !agents.includes(a)) });
    return { blueprint, agents };
  }

  async addAgent(input: AgentDefinition): Promise<AgentDefinition> {
    const agent = this.validateAgent(input);
    const parent = this.blueprint(agent.blueprintId);
    if (!parent) throw new ConfigError('Blueprint', `${agent.blueprintId} is not in the list.`, 'Add the blueprint first.');
    if (parent.sandbox) throw new ConfigError('Blueprint', 'is the sandbox tenant\'s blueprint.', 'Sandbox agent identities come from the sandbox directory; add agents to your own blueprints.');
    if (this.agent(agent.clientId) || this.blueprint(agent.clientId)) {
      throw new ConfigError('Agent identity client id', `${agent.clientId} is already in the list.`, 'Each agent identity is added once.');
    }
    const state = this.persisted();
    await this.write({ ...state, agents: [...state.agents, agent] });
    return agent;
  }

  /** Remembers an agent user under its agent identity (once), so it shows in the tree and the pickers. */
  async rememberAgentUser(agentId: string, user: AgentUserReference): Promise<void> {
    const state = this.persisted();
    const agent = state.agents.find((a) => a.clientId === agentId.toLowerCase());
    if (!agent) return; // sandbox agents know their agent users already
    const same = (u: AgentUserReference) => (user.userId && u.userId === user.userId) || (user.username && u.username === user.username);
    if (agent.agentUsers?.some(same)) return;
    const next = { ...agent, agentUsers: [...(agent.agentUsers ?? []), user] };
    await this.write({ ...state, agents: state.agents.map((a) => (a === agent ? next : a)) });
  }

  async removeAgent(clientId: string): Promise<AgentDefinition | undefined> {
    const state = this.persisted();
    const agent = state.agents.find((a) => a.clientId === clientId.toLowerCase());
    if (!agent) return undefined;
    await this.write({ ...state, agents: state.agents.filter((a) => a !== agent) });
    return agent;
  }

  /** The user's definitions (not the sandbox's) as they would be exported: no secret is ever in them. */
  exportable(): { blueprints: BlueprintDefinition[]; agents: AgentDefinition[] } {
    const { blueprints, agents } = this.persisted();
    return { blueprints: [...blueprints], agents: [...agents] };
  }

  /**
   * Adds blueprints and agent identities from a file: everything is validated first (the authority allow-list too),
   * then written at once, so a bad entry leaves the list as it was. Ids already present are skipped.
   */
  async importDefinitions(blueprints: unknown[], agents: unknown[]): Promise<{ blueprints: BlueprintDefinition[]; agents: AgentDefinition[]; skipped: string[] }> {
    const state = this.persisted();
    const known = new Set([...this.blueprints().map((b) => b.clientId), ...this.agents().map((a) => a.clientId)]);
    const skipped: string[] = [];
    const newBlueprints: BlueprintDefinition[] = [];
    blueprints.forEach((raw, i) => {
      const r = fields(raw, `blueprints[${i}]`);
      const b = located(`blueprints[${i}]`, () =>
        this.validateBlueprint({
          clientId: str(r.clientId),
          displayName: str(r.displayName),
          tenant: str(r.tenant),
          ...(r.authority !== undefined ? { authority: str(r.authority) } : {}),
          credentialKind: str(r.credentialKind) as CredentialKind,
          ...(r.certificatePath !== undefined ? { certificatePath: str(r.certificatePath), assertionAlgorithm: r.assertionAlgorithm === 'RS256' ? ('RS256' as const) : ('PS256' as const) } : {}),
          ...(r.federatedTokenFile !== undefined ? { federatedTokenFile: str(r.federatedTokenFile) } : {}),
          ...(r.managedIdentityClientId !== undefined ? { managedIdentityClientId: str(r.managedIdentityClientId) } : {}),
        }),
      );
      if (known.has(b.clientId)) skipped.push(b.clientId);
      else {
        known.add(b.clientId);
        newBlueprints.push(b);
      }
    });
    const parents = new Set([...state.blueprints, ...newBlueprints].map((b) => b.clientId));
    const newAgents: AgentDefinition[] = [];
    agents.forEach((raw, i) => {
      const input = fields(raw, `agents[${i}]`) as unknown as AgentDefinition;
      const a = located(`agents[${i}]`, () => this.validateAgent({ blueprintId: str(input.blueprintId), displayName: str(input.displayName), clientId: str(input.clientId), defaultScope: input.defaultScope === undefined ? DEFAULT_SCOPE : str(input.defaultScope) }));
      if (!parents.has(a.blueprintId)) throw new ConfigError(`agents[${i}].blueprintId`, `${a.blueprintId} is neither in the file nor in the list.`, 'Export the blueprint together with its agent identities.');
      const users = Array.isArray(input.agentUsers) ? input.agentUsers.filter((u) => u && (typeof u.userId === 'string' || typeof u.username === 'string')).map((u) => ({ ...(u.userId ? { userId: String(u.userId) } : {}), ...(u.username ? { username: String(u.username) } : {}), ...(u.displayName ? { displayName: String(u.displayName) } : {}) })) : [];
      if (known.has(a.clientId)) skipped.push(a.clientId);
      else {
        known.add(a.clientId);
        newAgents.push(users.length ? { ...a, agentUsers: users } : a);
      }
    });
    await this.write({ ...state, blueprints: [...state.blueprints, ...newBlueprints], agents: [...state.agents, ...newAgents] });
    return { blueprints: newBlueprints, agents: newAgents, skipped };
  }

  /** The sandbox's blueprints and agents, replacing any earlier ones; empty lists when it stops. */
  setSandbox(blueprints: BlueprintDefinition[], agents: AgentDefinition[]): void {
    this.sandboxBlueprints = blueprints;
    this.sandboxAgents = agents;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private persisted(): Persisted {
    const raw = this.memento.get<Persisted>(STATE_KEY);
    return raw && raw.version === 1 && Array.isArray(raw.blueprints) && Array.isArray(raw.agents) ? raw : { version: 1, blueprints: [], agents: [] };
  }

  private async write(state: Persisted): Promise<void> {
    await this.memento.update(STATE_KEY, state);
    this.changed.fire();
  }
}

function fields(raw: unknown, at: string): Record<string, string | undefined> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(at, 'is not an object.', 'Import a file made by "Export Blueprints and Agent Identities…".');
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
