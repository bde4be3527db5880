// The sandbox tenant's sign-in, registered at activation (small: the Graph work that uses it is in userGraph.ts, in
// the provisioning chunk), so the signed-in commands take one path — vscode.authentication.getSession — for the
// sandbox and for a real tenant.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { SandboxController } from './sandboxController';

export const SANDBOX_AUTH_PROVIDER = 'entraAgentTokens.sandbox';

interface SandboxSession extends vscode.AuthenticationSession {
  expiresAt: number;
  /** The sandbox run that signed it: a restarted sandbox has new keys, so older sessions are let go. */
  run: object;
}

/**
 * The sandbox tenant's sign-in, as an AuthenticationProvider: its user signs in with the sandbox's public client
 * (the password grant, which only the sandbox has), so the commands ask VS Code for a session exactly as they do for
 * a real tenant, and VS Code asks the user's consent and lists the account under Accounts as it does for Microsoft.
 */
export class SandboxAuthProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private sessions: SandboxSession[] = [];

  constructor(private readonly sandbox: SandboxController) {}

  async getSessions(scopes?: readonly string[]): Promise<vscode.AuthenticationSession[]> {
    const run = this.sandbox.status;
    // The sandbox stopped or started again: sign-ins of an earlier run went with it.
    this.forget((s) => s.run !== run);
    if (!run) return [];
    const wanted = (scopes ?? []).filter((s) => !s.startsWith('VSCODE_'));
    const matching = this.sessions.filter((s) => wanted.every((w) => s.scopes.includes(w)));
    // A session's token outlives no sandbox token lifetime: renewed silently, as a refresh token would.
    for (const s of matching) if (s.expiresAt - Date.now() < 60_000) Object.assign(s, await this.signIn(s.scopes));
    return matching;
  }

  async createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    if (!this.sandbox.status)
      throw new Error('The sandbox tenant is not running: start it first (Entra Agent Tokens: Start Sandbox Tenant).');
    const wanted = scopes.filter((s) => !s.startsWith('VSCODE_'));
    const signed = await this.signIn(wanted);
    const session: SandboxSession = { id: randomUUID(), scopes: wanted, ...signed, run: this.sandbox.status };
    this.sessions.push(session);
    this.changed.fire({ added: [session], removed: [], changed: [] });
    return session;
  }

  async removeSession(sessionId: string): Promise<void> {
    const removed = this.sessions.filter((s) => s.id === sessionId);
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    if (removed.length) this.changed.fire({ added: [], removed, changed: [] });
  }

  dispose(): void {
    this.changed.dispose();
  }

  private forget(which: (s: SandboxSession) => boolean): void {
    const removed = this.sessions.filter(which);
    if (!removed.length) return;
    this.sessions = this.sessions.filter((s) => !which(s));
    this.changed.fire({ added: [], removed, changed: [] });
  }

  private async signIn(scopes: readonly string[]) {
    const signed = await this.sandbox.signInUser(scopes);
    return {
      accessToken: signed.accessToken,
      account: { id: signed.userId, label: signed.userPrincipalName },
      expiresAt: Date.now() + signed.expiresInSeconds * 1000,
    };
  }
}
