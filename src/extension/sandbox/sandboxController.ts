import * as vscode from 'vscode';
import { ContextKey } from '../commands/ids';
import { setContext } from '../workbench';
import { DEFAULT_SCOPE } from '../../core/config/config';
import { ConfigError } from '../../core/errors/errors';
import { readSettings } from '../settings';
import type { SandboxTenant } from '../../sandbox/server';
import type { CredentialStore } from '../definitions/credentialStore';
import type { AgentDefinition, BlueprintDefinition, DefinitionStore } from '../definitions/definitions';
import type { ExtensionLog } from '../log';
import type { TokenStore } from '../tokens/tokenStore';
import type { SandboxStatus } from '../commands/contracts';

const PORT_KEY = 'entraAgentTokens.sandboxPort';

/** Runs the sandbox tenant on loopback inside the extension host and shows its blueprint and agents in the tree. */
export class SandboxController implements vscode.Disposable {
  private running: { sandbox: SandboxTenant; status: SandboxStatus; builtIn: ReadonlySet<string> } | undefined;

  /** A blueprint or agent identity the sandbox started with (not one made in it since). */
  isBuiltIn(clientId: string): boolean {
    return !!this.running?.builtIn.has(clientId);
  }

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenStore,
    private readonly log: ExtensionLog,
    /** The workspace's memory: the sandbox keeps its port, so imports and blueprints naming its origin keep working. */
    private readonly workspaceState?: vscode.Memento,
  ) {}

  get status(): SandboxStatus | undefined {
    return this.running?.status;
  }

  async start(): Promise<SandboxStatus> {
    if (this.running) return this.running.status;
    const { SandboxTenant } = await import('../../sandbox/server');
    const latency = readSettings().sandboxLatencyMs;
    const remembered = this.workspaceState?.get<unknown>(PORT_KEY);
    const port =
      typeof remembered === 'number' && Number.isInteger(remembered) && remembered > 1023 && remembered < 65536
        ? remembered
        : 0;
    let sandbox: SandboxTenant;
    try {
      sandbox = await SandboxTenant.start({ latencyMs: latency, port });
    } catch (e) {
      if (port === 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      // Another process has the port now: a free one, remembered from here on.
      this.log.warn(
        `Sandbox: port ${port} is taken; starting on a free port (imports naming the old origin will need editing).`,
      );
      sandbox = await SandboxTenant.start({ latencyMs: latency });
    }
    const actualPort = Number(new URL(sandbox.authority).port);
    if (actualPort !== port) await this.workspaceState?.update(PORT_KEY, actualPort);
    const info = sandbox.info;
    const blueprints = info.blueprints.map((b) => ({
      clientId: b.clientId,
      displayName: b.displayName,
      tenant: info.tenantId,
      authority: info.authority,
      credentialKind: 'secret' as const,
      sandbox: true,
      ...(b.singleInstance ? { singleInstance: true as const } : {}),
    }));
    const users = sandbox.directory.tenants[0]?.users ?? [];
    const agents = info.blueprints.flatMap((b) =>
      b.agents.map((a) => ({
        clientId: a.clientId,
        blueprintId: b.clientId,
        displayName: a.displayName,
        defaultScope: DEFAULT_SCOPE,
        agentUsers: users
          .filter((u) => u.identityParentId === a.clientId)
          .map((u) => ({ userId: u.id, username: u.userPrincipalName, displayName: u.userPrincipalName })),
      })),
    );
    for (const b of info.blueprints)
      if (b.clientSecret) await this.credentials.set(b.clientId, 'clientSecret', b.clientSecret);
    const status = {
      authority: info.authority,
      tenantId: info.tenantId,
      blueprintIds: blueprints.map((b) => b.clientId),
      agentIds: agents.map((a) => a.clientId),
    };
    this.running = { sandbox, status, builtIn: new Set([...status.blueprintIds, ...status.agentIds]) };
    this.definitions.setSandbox(blueprints, agents);
    await this.registerSaved();
    await setContext(ContextKey.sandboxRunning, true);
    this.log.info(
      `Sandbox tenant ${info.tenantId} started at ${info.authority}${latency ? `, answering each request after ${latency} ms (sandbox.latencyMilliseconds)` : ''}.`,
    );
    return status;
  }

  /** Whether a blueprint of the user's is on the running sandbox (its authority is the sandbox's origin). */
  isOnSandbox(blueprint: { authority: string; sandbox?: boolean }): boolean {
    return !blueprint.sandbox && !!this.running && blueprint.authority === this.running.status.authority;
  }

  /**
   * A blueprint the user added on the sandbox ("Sandbox (this VS Code)") is registered in its tenant, as
   * provisioning would, with the secret typed; its agent identities likewise. Only a client secret: the sandbox's
   * own blueprints show the other credentials.
   */
  async registerOwn(blueprint: BlueprintDefinition, secret: string | undefined): Promise<void> {
    const running = this.running;
    if (!running || !this.isOnSandbox(blueprint)) return;
    const tenant = running.sandbox.directory.tenants[0]!;
    if (blueprint.tenant !== tenant.id && !tenant.domains.includes(blueprint.tenant))
      throw new ConfigError('Tenant', `is not the sandbox's (${tenant.id}).`, "Use the sandbox tenant's id.");
    if (blueprint.credentialKind !== 'secret' || !secret)
      throw new ConfigError(
        'Credential',
        'must be a client secret for a blueprint added on the sandbox.',
        'Choose "Client secret" and type any secret: the sandbox registers it.',
      );
    const { registerBlueprint, DirectoryError } = await import('../../sandbox/directory');
    try {
      registerBlueprint(tenant, {
        clientId: blueprint.clientId,
        displayName: blueprint.displayName,
        clientSecret: secret,
        ...(blueprint.singleInstance ? { singleInstance: true } : {}),
      });
    } catch (e) {
      if (e instanceof DirectoryError) throw new ConfigError('Client id', e.message, 'Use another client id.');
      throw e;
    }
    this.log.info(`Sandbox: blueprint ${blueprint.displayName} (${blueprint.clientId}) registered in its tenant.`);
  }

  async registerOwnAgent(blueprint: BlueprintDefinition, agent: AgentDefinition): Promise<void> {
    const running = this.running;
    if (!running || !this.isOnSandbox(blueprint)) return;
    const { registerAgent, DirectoryError } = await import('../../sandbox/directory');
    try {
      registerAgent(running.sandbox.directory.tenants[0]!, blueprint.clientId, {
        clientId: agent.clientId,
        displayName: agent.displayName,
      });
    } catch (e) {
      if (e instanceof DirectoryError) throw new ConfigError('Agent identity', e.message, 'Use another client id.');
      throw e;
    }
  }

  /** At start: the user's blueprints on this origin (the port is kept per workspace) are registered again. */
  private async registerSaved(): Promise<void> {
    for (const blueprint of this.definitions.blueprints().filter((b) => this.isOnSandbox(b))) {
      try {
        await this.registerOwn(blueprint, await this.credentials.get(blueprint.clientId, 'clientSecret'));
        for (const agent of this.definitions.agents(blueprint.clientId)) await this.registerOwnAgent(blueprint, agent);
      } catch (e) {
        this.log.warn(
          `Sandbox: blueprint ${blueprint.clientId} could not be registered again: ${(e as Error).message}`,
        );
      }
    }
  }

  /** Puts the sandbox's own secret back for one of its blueprints (after the user practised with a wrong one). */
  async restoreSecret(blueprintId: string): Promise<void> {
    const secret = this.running?.sandbox.info.blueprints.find((b) => b.clientId === blueprintId)?.clientSecret;
    if (!secret) throw new ConfigError('Blueprint', 'is not a running sandbox blueprint.', 'Start the sandbox tenant.');
    await this.credentials.set(blueprintId, 'clientSecret', secret);
  }

  /**
   * Makes the sandbox's next token requests answer with a real Entra error (Simulate an Entra error…). Replaces any
   * simulation still pending. Returns what the user will see.
   */
  async simulate(id: string, requestTimeoutMs: number): Promise<{ label: string; detail: string }> {
    const running = this.running;
    if (!running) throw new ConfigError('Sandbox tenant', 'is not running.', 'Start the sandbox tenant first.');
    const { SIMULATIONS } = await import('../../sandbox/simulations');
    const simulation = SIMULATIONS.find((s) => s.id === id);
    if (!simulation)
      throw new ConfigError(
        'Simulation',
        `"${id.slice(0, 40)}" is not one the sandbox knows.`,
        'Pick one from the list.',
      );
    running.sandbox.clearRecords();
    running.sandbox.injectFaults(...simulation.faults(running.status.authority, requestTimeoutMs));
    this.log.info(`Sandbox: the next token request will fail: ${simulation.label}.`);
    return simulation;
  }

  /** Disarms a simulation that has not fired yet: the next token request is answered as usual. */
  disarm(): void {
    this.running?.sandbox.clearFaults();
  }

  /**
   * A signed-in user's token for a sandbox blueprint (the on-behalf-of flow's Tc), from the sandbox's own password
   * grant: the sandbox's stand-in for a user signing in to the agent's front end.
   */
  async userToken(blueprintId: string): Promise<string> {
    return (await this.signInUser([`api://${blueprintId}/access_as_user`])).accessToken;
  }

  /**
   * The sandbox's user signed in with the sandbox's public client for these scopes (its password grant, which only
   * the sandbox has): the sandbox's sign-in provider and the on-behalf-of flow's user token both come from here.
   */
  async signInUser(
    scopes: readonly string[],
  ): Promise<{ accessToken: string; userId: string; userPrincipalName: string; expiresInSeconds: number }> {
    const running = this.running;
    if (!running) throw new Error('The sandbox tenant is not running.');
    const { SANDBOX_PUBLIC_CLIENT_ID } = await import('../../sandbox/directory');
    const user = running.sandbox.directory.tenants[0]?.users.find((u) => u.password);
    if (!user?.password) throw new Error('The sandbox directory has no user who can sign in.');
    // Through core's token client, like every token request: its password is remembered as sent (no log line or
    // answer can repeat it), and a refusal is an explained EntraError.
    const { TokenEndpointClient } = await import('../../core/engine/tokenClient');
    const client = new TokenEndpointClient({ maxRetries: 0 });
    try {
      const { response } = await client.postForm(
        `${running.status.authority}/${running.status.tenantId}/oauth2/v2.0/token`,
        {
          client_id: SANDBOX_PUBLIC_CLIENT_ID,
          grant_type: 'password',
          username: user.userPrincipalName,
          password: user.password,
          scope: scopes.join(' '),
        },
        { legName: "the sandbox's user signs in" },
      );
      return {
        accessToken: response.access_token,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        expiresInSeconds: response.expires_in,
      };
    } finally {
      await client.close();
    }
  }

  /** A blueprint created in the sandbox through Graph: its secret is forgotten when the sandbox stops, as its own. */
  adopt(blueprintId: string): void {
    if (this.running && !this.running.status.blueprintIds.includes(blueprintId))
      this.running.status.blueprintIds.push(blueprintId);
  }

  async stop(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    this.running = undefined;
    // Its own objects and those made in it through Graph since it started (all in memory, all gone with it).
    const blueprintIds = new Set([
      ...running.status.blueprintIds,
      ...this.definitions.blueprints().flatMap((b) => (b.sandbox ? [b.clientId] : [])),
    ]);
    const agentIds = new Set([
      ...running.status.agentIds,
      ...this.definitions.agents().flatMap((a) => (blueprintIds.has(a.blueprintId) ? [a.clientId] : [])),
    ]);
    await running.sandbox.stop();
    this.definitions.setSandbox([], []);
    this.tokens.forget([...agentIds]);
    await Promise.all([...blueprintIds].map((id) => this.credentials.deleteAll(id)));
    await setContext(ContextKey.sandboxRunning, false);
    this.log.info('Sandbox tenant stopped.');
    return true;
  }

  dispose(): void {
    void this.stop();
  }
}
