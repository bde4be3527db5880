import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import {
  type AgentDefinition,
  type AgentTarget,
  type AgentUserReference,
  type BlueprintDefinition,
  type BlueprintInput,
  type DefinitionsFileContent,
  type ImportPlan,
  planImport,
  validateAgent,
  validateBlueprint,
} from './definitionRules';

export * from './definitionRules';

/** What Edit Agent Identity… may change. */
interface AgentPatch {
  readonly displayName?: string;
  readonly defaultScope?: string;
  readonly tenant?: string;
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

  /** An agent with its blueprint, looked up once; a blueprint no longer listed is said here, not deeper down. */
  target(agent: AgentDefinition): AgentTarget {
    const blueprint = this.blueprint(agent.blueprintId);
    if (!blueprint)
      throw new ConfigError(
        'Agent identity',
        `its blueprint ${agent.blueprintId} is no longer in the list.`,
        'Add the blueprint again, or remove this agent identity.',
      );
    return { agent, blueprint };
  }

  /** An agent identity with a patch applied and checked (an empty tenant: back to the blueprint's). */
  private patchedAgent(current: AgentDefinition, patch: AgentPatch): AgentDefinition {
    const { tenant: _, ...rest } = current;
    const tenant = patch.tenant === undefined ? current.tenant : patch.tenant.trim() || undefined;
    return this.validateAgent({
      ...rest,
      ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
      ...(patch.defaultScope !== undefined ? { defaultScope: patch.defaultScope } : {}),
      ...(tenant ? { tenant } : {}),
    });
  }

  /** Checks a blueprint's fields against the rules and the user's authority allow-list. */
  validateBlueprint(input: BlueprintInput): BlueprintDefinition {
    return validateBlueprint(input, this.allowedHosts());
  }

  validateAgent(input: AgentDefinition): AgentDefinition {
    return validateAgent(input);
  }

  async addBlueprint(input: Parameters<DefinitionStore['validateBlueprint']>[0]): Promise<BlueprintDefinition> {
    const blueprint = this.validateBlueprint(input);
    if (this.blueprint(blueprint.clientId) || this.agent(blueprint.clientId)) {
      throw new ConfigError(
        'Blueprint client id',
        `${blueprint.clientId} is already in the list.`,
        'Edit the existing blueprint instead.',
      );
    }
    const state = this.persisted();
    await this.write({ ...state, blueprints: [...state.blueprints, blueprint] });
    return blueprint;
  }

  async updateBlueprint(
    clientId: string,
    patch: Partial<Omit<BlueprintDefinition, 'clientId' | 'sandbox'>>,
  ): Promise<BlueprintDefinition> {
    const state = this.persisted();
    const current = state.blueprints.find((b) => b.clientId === clientId.toLowerCase());
    if (!current)
      throw new ConfigError(
        'Blueprint',
        `${clientId} is not a blueprint you added.`,
        'Pick a blueprint from the list.',
      );
    // An edit keeps an imported blueprint's pending confirmation: only confirmBlueprint() clears it.
    const validated = this.validateBlueprint({ ...current, ...patch });
    const next = current.confirmBeforeUse ? { ...validated, confirmBeforeUse: true as const } : validated;
    await this.write({ ...state, blueprints: state.blueprints.map((b) => (b === current ? next : b)) });
    return next;
  }

  /** The user confirmed an imported blueprint's credential and authority: it is used from now on without asking. */
  async confirmBlueprint(clientId: string): Promise<void> {
    const state = this.persisted();
    const current = state.blueprints.find((b) => b.clientId === clientId.toLowerCase());
    if (!current?.confirmBeforeUse) return;
    const { confirmBeforeUse: _, ...confirmed } = current;
    await this.write({ ...state, blueprints: state.blueprints.map((b) => (b === current ? confirmed : b)) });
  }

  async removeBlueprint(
    clientId: string,
  ): Promise<{ blueprint: BlueprintDefinition; agents: AgentDefinition[] } | undefined> {
    const state = this.persisted();
    const blueprint = state.blueprints.find((b) => b.clientId === clientId.toLowerCase());
    if (!blueprint) return undefined;
    const agents = state.agents.filter((a) => a.blueprintId === blueprint.clientId);
    await this.write({
      ...state,
      blueprints: state.blueprints.filter((b) => b !== blueprint),
      agents: state.agents.filter((a) => !agents.includes(a)),
    });
    return { blueprint, agents };
  }

  async addAgent(input: AgentDefinition): Promise<AgentDefinition> {
    const agent = this.validateAgent(input);
    const parent = this.blueprint(agent.blueprintId);
    if (!parent)
      throw new ConfigError('Blueprint', `${agent.blueprintId} is not in the list.`, 'Add the blueprint first.');
    if (parent.sandbox)
      throw new ConfigError(
        'Blueprint',
        "is the sandbox tenant's blueprint.",
        'Sandbox agent identities come from the sandbox directory; add agents to your own blueprints.',
      );
    if (parent.singleInstance && (agent.clientId !== parent.clientId || this.agent(agent.clientId)))
      throw new ConfigError(
        'Blueprint',
        `"${parent.displayName}" is single-instance: it has one agent identity, which shares its client id ${parent.clientId}.`,
        "Add a classic blueprint for agents of their own, or get this agent's token from its row.",
      );
    const sharesParentId = parent.singleInstance && agent.clientId === parent.clientId;
    if (this.agent(agent.clientId) || (this.blueprint(agent.clientId) && !sharesParentId)) {
      throw new ConfigError(
        'Agent identity client id',
        `${agent.clientId} is already in the list.`,
        'Each agent identity is added once.',
      );
    }
    const state = this.persisted();
    await this.write({ ...state, agents: [...state.agents, agent] });
    return agent;
  }

  /** Changes an agent identity's name, default scope or home tenant (an empty tenant: back to the blueprint's). */
  async updateAgent(clientId: string, patch: AgentPatch): Promise<AgentDefinition> {
    const state = this.persisted();
    const current = state.agents.find((a) => a.clientId === clientId.toLowerCase());
    if (!current)
      throw new ConfigError(
        'Agent identity',
        `${clientId} is not an agent identity you added.`,
        'Pick one from the list.',
      );
    const next = this.patchedAgent(current, patch);
    await this.write({ ...state, agents: state.agents.map((a) => (a === current ? next : a)) });
    return next;
  }

  /** Remembers an agent user under its agent identity (once), so it shows in the tree and the pickers. */
  async rememberAgentUser(agentId: string, user: AgentUserReference): Promise<void> {
    const state = this.persisted();
    const agent = state.agents.find((a) => a.clientId === agentId.toLowerCase());
    const same = (u: AgentUserReference) =>
      (user.userId && u.userId === user.userId) || (user.username && u.username === user.username);
    if (!agent) {
      // A sandbox agent: its agent users came with the sandbox, in memory; one made since (through Graph) joins them.
      const sandboxAgent = this.sandboxAgents.find((a) => a.clientId === agentId.toLowerCase());
      if (!sandboxAgent || sandboxAgent.agentUsers?.some(same)) return;
      const next = { ...sandboxAgent, agentUsers: [...(sandboxAgent.agentUsers ?? []), user] };
      this.sandboxAgents = this.sandboxAgents.map((a) => (a === sandboxAgent ? next : a));
      this.changed.fire();
      return;
    }
    if (agent.agentUsers?.some(same)) return;
    const next = { ...agent, agentUsers: [...(agent.agentUsers ?? []), user] };
    await this.write({ ...state, agents: state.agents.map((a) => (a === agent ? next : a)) });
  }

  async removeAgent(clientId: string): Promise<AgentDefinition | undefined> {
    const state = this.persisted();
    const agent = state.agents.find((a) => a.clientId === clientId.toLowerCase());
    if (!agent) {
      // A sandbox agent deleted through Graph: gone from the sandbox's directory, so from the list too.
      const sandboxAgent = this.sandboxAgents.find((a) => a.clientId === clientId.toLowerCase());
      if (!sandboxAgent) return undefined;
      this.sandboxAgents = this.sandboxAgents.filter((a) => a !== sandboxAgent);
      this.changed.fire();
      return sandboxAgent;
    }
    await this.write({ ...state, agents: state.agents.filter((a) => a !== agent) });
    return agent;
  }

  /** The user's definitions (not the sandbox's) as they would be exported: no secret is ever in them. */
  exportable(): { blueprints: BlueprintDefinition[]; agents: AgentDefinition[] } {
    const { blueprints, agents } = this.persisted();
    // A pending confirmation is this user's state, not part of the definition: an import marks what it adds anew.
    return { blueprints: blueprints.map(({ confirmBeforeUse: _, ...b }) => b), agents: [...agents] };
  }

  /**
   * Adds blueprints and agent identities from a file, all or nothing (planImport validates every entry first); ids
   * already present are skipped.
   */
  async importDefinitions(file: DefinitionsFileContent, sandboxOrigin: string | undefined): Promise<ImportPlan> {
    const state = this.persisted();
    const plan = planImport(
      file,
      { blueprints: this.blueprints(), agents: this.agents() },
      this.allowedHosts(),
      sandboxOrigin,
    );
    await this.write({
      ...state,
      blueprints: [...state.blueprints, ...plan.blueprints],
      agents: [...state.agents, ...plan.agents],
    });
    return plan;
  }

  /** The sandbox's blueprints and agents, replacing any earlier ones; empty lists when it stops. */
  /**
   * The sandbox's blueprint, edited for practice (a wrong tenant shows AADSTS90002): in memory only, until the
   * sandbox's next start. Its authority stays the sandbox's.
   */
  updateSandboxBlueprint(
    clientId: string,
    patch: { displayName?: string; tenant?: string; credentialKind?: 'certificate'; certificatePath?: string },
  ): BlueprintDefinition {
    const id = clientId.toLowerCase();
    const current = this.sandboxBlueprints.find((b) => b.clientId === id);
    if (!current) throw new ConfigError('Blueprint', `${clientId} is not the running sandbox's.`, 'Start the sandbox.');
    const validated = this.validateBlueprint({
      ...current,
      ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
      ...(patch.tenant !== undefined ? { tenant: patch.tenant } : {}),
      ...(patch.credentialKind ? { credentialKind: patch.credentialKind, certificatePath: patch.certificatePath } : {}),
    });
    const next: BlueprintDefinition = { ...validated, sandbox: true };
    this.sandboxBlueprints = this.sandboxBlueprints.map((b) => (b === current ? next : b));
    this.changed.fire();
    return next;
  }

  /**
   * A sandbox agent identity, edited for practice (another home tenant shows AADSTS700211's cousins, a wrong scope
   * AADSTS500011): in memory only, until the sandbox's next start.
   */
  updateSandboxAgent(clientId: string, patch: AgentPatch): AgentDefinition {
    const current = this.sandboxAgents.find((a) => a.clientId === clientId.toLowerCase());
    if (!current)
      throw new ConfigError('Agent identity', `${clientId} is not the running sandbox's.`, 'Start the sandbox.');
    const next = this.patchedAgent(current, patch);
    this.sandboxAgents = this.sandboxAgents.map((a) => (a === current ? next : a));
    this.changed.fire();
    return next;
  }

  /**
   * A blueprint created in the running sandbox through Graph: in memory only, like the sandbox's own, gone when it
   * stops.
   */
  addSandboxBlueprint(input: BlueprintInput): BlueprintDefinition {
    const blueprint: BlueprintDefinition = { ...this.validateBlueprint(input), sandbox: true };
    if (this.blueprint(blueprint.clientId) || this.agent(blueprint.clientId))
      throw new ConfigError('Blueprint client id', `${blueprint.clientId} is already in the list.`, 'Use that one.');
    this.sandboxBlueprints = [...this.sandboxBlueprints, blueprint];
    this.changed.fire();
    return blueprint;
  }

  /** Records what is left of a blueprint's setup (none: done), in the sandbox's memory or the user's list. */
  async setBlueprintSetup(clientId: string, setup: BlueprintDefinition['setup']): Promise<void> {
    const id = clientId.toLowerCase();
    const sandboxed = this.sandboxBlueprints.find((b) => b.clientId === id);
    if (sandboxed) {
      const { setup: _, ...rest } = sandboxed;
      this.sandboxBlueprints = this.sandboxBlueprints.map((b) =>
        b === sandboxed ? { ...rest, ...(setup ? { setup } : {}) } : b,
      );
      this.changed.fire();
      return;
    }
    const state = this.persisted();
    const current = state.blueprints.find((b) => b.clientId === id);
    if (!current) throw new ConfigError('Blueprint', `${clientId} is not in the list.`, 'Pick one from the list.');
    const { setup: _, ...rest } = current;
    const next: BlueprintDefinition = { ...rest, ...(setup ? { setup } : {}) };
    await this.write({ ...state, blueprints: state.blueprints.map((b) => (b === current ? next : b)) });
  }

  /**
   * An agent identity the sandbox's blueprint created through Graph: in memory only, like the sandbox's own (its
   * directory lives in memory, so it is gone when the sandbox stops).
   */
  addSandboxAgent(input: AgentDefinition): AgentDefinition {
    const agent = this.validateAgent(input);
    if (!this.sandboxBlueprints.some((b) => b.clientId === agent.blueprintId))
      throw new ConfigError(
        'Blueprint',
        `${agent.blueprintId} is not the running sandbox's.`,
        'Start the sandbox tenant.',
      );
    if (this.agent(agent.clientId)) return this.agent(agent.clientId)!;
    this.sandboxAgents = [...this.sandboxAgents, agent];
    this.changed.fire();
    return agent;
  }

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
    return raw && raw.version === 1 && Array.isArray(raw.blueprints) && Array.isArray(raw.agents)
      ? raw
      : { version: 1, blueprints: [], agents: [] };
  }

  private async write(state: Persisted): Promise<void> {
    await this.memento.update(STATE_KEY, state);
    this.changed.fire();
  }
}
