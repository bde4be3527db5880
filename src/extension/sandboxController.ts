import * as vscode from 'vscode';
import { DEFAULT_SCOPE } from '../core/config';
import type { SandboxTenant } from '../sandbox/server';
import type { CredentialStore } from './credentialStore';
import type { DefinitionStore } from './definitions';
import type { ExtensionLog } from './log';
import type { TokenStore } from './tokenStore';

export interface SandboxStatus {
  readonly authority: string;
  readonly tenantId: string;
  readonly blueprintIds: string[];
  readonly agentIds: string[];
}

/** Runs the sandbox tenant on loopback inside the extension host and shows its blueprint and agents in the tree. */
export class SandboxController implements vscode.Disposable {
  private running: { sandbox: SandboxTenant; status: SandboxStatus } | undefined;

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenStore,
    private readonly log: ExtensionLog,
  ) {}

  get status(): SandboxStatus | undefined {
    return this.running?.status;
  }

  async start(): Promise<SandboxStatus> {
    if (this.running) return this.running.status;
    const { SandboxTenant } = await import('../sandbox/server');
    const sandbox = await SandboxTenant.start();
    const info = sandbox.info;
    const blueprints = info.blueprints.map((b) => ({
      clientId: b.clientId,
      displayName: b.displayName,
      tenant: info.tenantId,
      authority: info.authority,
      credentialKind: 'secret' as const,
      sandbox: true,
    }));
    const agents = info.blueprints.flatMap((b) => b.agents.map((a) => ({ clientId: a.clientId, blueprintId: b.clientId, displayName: a.displayName, defaultScope: DEFAULT_SCOPE })));
    for (const b of info.blueprints) if (b.clientSecret) await this.credentials.set(b.clientId, 'clientSecret', b.clientSecret);
    const status = { authority: info.authority, tenantId: info.tenantId, blueprintIds: blueprints.map((b) => b.clientId), agentIds: agents.map((a) => a.clientId) };
    this.running = { sandbox, status };
    this.definitions.setSandbox(blueprints, agents);
    await vscode.commands.executeCommand('setContext', 'entraAgentTokens.sandboxRunning', true);
    this.log.info(`Sandbox tenant ${info.tenantId} started at ${info.authority}.`);
    return status;
  }

  async stop(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    this.running = undefined;
    await running.sandbox.stop();
    this.definitions.setSandbox([], []);
    this.tokens.forget(running.status.agentIds);
    await Promise.all(running.status.blueprintIds.map((id) => this.credentials.deleteAll(id)));
    await vscode.commands.executeCommand('setContext', 'entraAgentTokens.sandboxRunning', false);
    this.log.info('Sandbox tenant stopped.');
    return true;
  }

  dispose(): void {
    void this.stop();
  }
}
