import * as vscode from 'vscode';
import { ContextKey } from '../commands/ids';
import { setContext } from '../workbench';
import type { CredentialStore } from '../definitions/credentialStore';
import type { CredentialKind, DefinitionStore } from '../definitions/definitions';
import type { TokenStore } from '../tokens/tokenStore';
import { agentUserLabel, type AgentUserReference } from '../definitions/definitions';
import type { HeldToken } from '../tokens/tokenStore';
import { AgentNode, AgentUserNode, BlueprintNode, FailureNode, NextStepNode, TokenNode, type TreeNode } from './nodes';
import { everyAligned } from '../tokens/durations';

/** An agent user's token: the agent-user flow, held under that user's label. */
function isAgentUsersToken(token: HeldToken, user: AgentUserReference): boolean {
  return token.result.flow === 'agent-user' && token.subject === agentUserLabel(user);
}

/** Translates the stores into tree items; the stores are the model, this only renders and signals change. */
export class AgentTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private ticker: { dispose(): void } | undefined;
  /** Which blueprints have their credential stored; filled as the tree renders, kept until a credential or definition changes. */
  private readonly credentialKnown = new Map<string, boolean>();
  /** The token rows last rendered, the same instances VS Code holds: the countdown tick refreshes just these. */
  private tokenRows: TokenNode[] = [];
  private readonly rowsByParent = new Map<string, TokenNode[]>();

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenStore,
  ) {
    this.subscriptions.push(
      definitions.onDidChange(() => {
        this.credentialKnown.clear();
        this.refresh();
      }),
      // A new token changes the rows, not whether a blueprint's secret is stored: the cached reads stay.
      tokens.onDidChange(() => this.refresh()),
      credentials.onDidChange((blueprintId) => {
        this.credentialKnown.delete(blueprintId);
        this.refresh();
      }),
    );
  }

  refresh(): void {
    this.updateTicker();
    void setContext(ContextKey.hasTokens, this.tokens.hasTokens);
    void setContext(
      ContextKey.hasOwnBlueprint,
      this.definitions.blueprints().some((b) => !b.sandbox),
    );
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      const blueprints = this.definitions.blueprints();
      return Promise.all(
        blueprints.map(async (b) => new BlueprintNode(b, await this.hasCredential(b.clientId, b.credentialKind))),
      );
    }
    if (node instanceof BlueprintNode) {
      const agents = this.definitions.agents(node.blueprint.clientId);
      // A blueprint that can make tokens but has no agent identity yet shows its next step.
      if (!agents.length && !node.blueprint.setup) return [new NextStepNode(node.blueprint.clientId)];
      return agents.map(
        (a) =>
          new AgentNode(
            a,
            node.blueprint.sandbox === true,
            this.tokens.tokensOf(a.clientId).length > 0 ||
              !!this.tokens.failureOf(a.clientId) ||
              !!a.agentUsers?.length,
            this.tokens.permissionsOf(a.clientId),
          ),
      );
    }
    if (node instanceof AgentNode) {
      const failure = this.tokens.failureOf(node.agent.clientId);
      const held = this.tokens.tokensOf(node.agent.clientId);
      const users = (node.agent.agentUsers ?? []).map(
        (u) =>
          new AgentUserNode(
            node.agent,
            u,
            held.some((t) => isAgentUsersToken(t, u)),
          ),
      );
      // The agent's own tokens (and on-behalf-of ones); an agent user's tokens are under its row.
      const own = held.filter((t) => !(node.agent.agentUsers ?? []).some((u) => isAgentUsersToken(t, u)));
      const rows = this.rememberRows(
        node.agent.clientId,
        own.map((t) => new TokenNode(t)),
      );
      return [...(failure ? [new FailureNode(failure)] : []), ...users, ...rows];
    }
    if (node instanceof AgentUserNode) {
      const held = this.tokens.tokensOf(node.agent.clientId).filter((t) => isAgentUsersToken(t, node.user));
      return this.rememberRows(
        `${node.agent.clientId}|${agentUserLabel(node.user)}`,
        held.map((t) => new TokenNode(t)),
      );
    }
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node instanceof AgentNode) {
      const b = this.definitions.blueprint(node.agent.blueprintId);
      return b ? new BlueprintNode(b, this.credentialKnown.get(b.clientId) ?? true) : undefined;
    }
    return undefined;
  }

  dispose(): void {
    this.ticker?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  /** Keeps the token rows VS Code holds, per parent, so the countdown tick refreshes exactly those instances. */
  private rememberRows(parent: string, rows: TokenNode[]): TokenNode[] {
    this.rowsByParent.set(parent, rows);
    this.tokenRows = [...this.rowsByParent.values()].flat();
    return rows;
  }

  private async hasCredential(blueprintId: string, kind: CredentialKind): Promise<boolean> {
    const known = this.credentialKnown.get(blueprintId);
    if (known !== undefined) return known;
    // Only a client secret lives in SecretStorage; the other kinds are files or the platform's identity.
    const has = kind !== 'secret' || !!(await this.credentials.get(blueprintId, 'clientSecret'));
    this.credentialKnown.set(blueprintId, has);
    return has;
  }

  /**
   * One countdown tick: only the token rows are re-rendered (their description is the countdown), not the whole
   * tree. Returns the rows it refreshed.
   */
  tick(): readonly TokenNode[] {
    const held = new Set(this.tokens.all());
    const rows = this.tokenRows.filter((r) => held.has(r.token));
    if (rows.length) this.changed.fire(rows);
    return rows;
  }

  /** Countdowns tick only while there are tokens to count down. */
  private updateTicker(): void {
    if (this.tokens.hasTokens && !this.ticker) {
      // On the same wall-clock instants as the status bar's: both say the same minute.
      this.ticker = everyAligned(() => this.tick(), 30_000);
    } else if (!this.tokens.hasTokens && this.ticker) {
      this.ticker.dispose();
      this.ticker = undefined;
    }
  }
}
