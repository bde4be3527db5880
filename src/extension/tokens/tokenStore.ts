import type { ErrorAction } from '../errorActions';
import * as vscode from 'vscode';
import type { AgentTokenResult } from '../../core/engine/agentTokens';
import type { EffectivePermission } from '../../core/graph/inheritablePermissions';

/** What Graph said an agent identity holds on one resource, its own and inherited (Explain Agent Permissions…). */
export interface AgentPermissions {
  readonly resource: string;
  readonly blueprintName: string;
  readonly permissions: readonly EffectivePermission[];
}

export interface HeldToken {
  readonly agentId: string;
  readonly scope: string;
  readonly result: AgentTokenResult;
  /** Whose token, for the user flows: the agent user or the signed-in user (display text). */
  readonly subject?: string;
}

const keyOf = (agentId: string, scope: string, subject = '') => JSON.stringify([agentId, scope, subject]);

export interface AgentFailure {
  readonly agentId: string;
  /** The blueprint (its fixes can be offered). */
  readonly blueprintId?: string;
  /** The resource the token was asked for (Grant Permissions… opens on it). */
  readonly resource?: string;
  /** One sentence for the tree; the log has the rest. */
  readonly message: string;
  /** Its buttons (errorActions): the fix that applies, Retry, Copy Error Details. */
  readonly actions: readonly ErrorAction[];
  /** For a support ticket: code, meaning, ids, time, endpoint. */
  readonly details?: string;
}

/**
 * The latest token per (agent, scope) and the latest failure per agent, in memory only: tokens are never written to
 * disk by the extension.
 */
export class TokenStore implements vscode.Disposable {
  private readonly tokens = new Map<string, HeldToken>();
  private readonly failures = new Map<string, AgentFailure>();
  private readonly permissions = new Map<string, AgentPermissions>();
  private last: HeldToken | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  tokensOf(agentId: string): HeldToken[] {
    return [...this.tokens.values()].filter((t) => t.agentId === agentId);
  }

  failureOf(agentId: string): AgentFailure | undefined {
    return this.failures.get(agentId);
  }

  permissionsOf(agentId: string): AgentPermissions | undefined {
    return this.permissions.get(agentId);
  }

  /** What Graph said of an agent's permissions, shown in its tooltip until a grant changes them. */
  setPermissions(agentId: string, permissions: AgentPermissions): void {
    this.permissions.set(agentId, permissions);
    this.changed.fire();
  }

  get latest(): HeldToken | undefined {
    return this.last;
  }

  get hasTokens(): boolean {
    return this.tokens.size > 0;
  }

  all(): HeldToken[] {
    return [...this.tokens.values()];
  }

  find(agentId: string, scope: string, subject?: string): HeldToken | undefined {
    return this.tokens.get(keyOf(agentId, scope, subject));
  }

  put(token: HeldToken): void {
    this.tokens.set(keyOf(token.agentId, token.scope, token.subject), token);
    this.failures.delete(token.agentId);
    this.last = token;
    this.changed.fire();
  }

  /** Forget the failures of these agents: their cause was fixed (a credential set, a blueprint edited). */
  clearFailures(agentIds: readonly string[]): void {
    let cleared = false;
    for (const id of agentIds) cleared = this.failures.delete(id) || cleared;
    if (cleared) this.changed.fire();
  }

  fail(failure: AgentFailure): void {
    this.failures.set(failure.agentId, failure);
    this.changed.fire();
  }

  /** Forget everything about these agents (removed, or their sandbox stopped). */
  forget(agentIds: readonly string[]): void {
    const ids = new Set(agentIds);
    for (const [k, t] of this.tokens) if (ids.has(t.agentId)) this.tokens.delete(k);
    for (const id of ids) {
      this.failures.delete(id);
      this.permissions.delete(id);
    }
    if (this.last && ids.has(this.last.agentId)) this.last = undefined;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
