import * as vscode from 'vscode';
import type { AgentTokenResult } from '../../core/agentTokens';
import type { DecodedToken } from '../../core/jwt';
import type { SignatureVerifier } from '../../core/signature';
import type { InspectorState } from '../../webview/protocol';
import type { DefinitionStore } from '../definitions';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import type { TokenStore } from '../tokenStore';
import { exchangeView, singleTokenView } from './inspectorModel';
import { INSPECTOR_VIEW_TYPE, InspectorPanel, type InspectorContent } from './inspectorPanel';

/**
 * Owns the inspector panels: a token shown again reuses its tab; another token opens a new tab (the workbench lets
 * the user pin tabs). Panels are revived after a reload from their persisted identity.
 */
export class InspectorController implements vscode.Disposable {
  /** Each open panel, by what it shows ('' while a revived panel is empty). */
  private readonly panels = new Map<InspectorPanel, string>();
  private verifierInstance: SignatureVerifier | undefined;
  private verifierHosts = '';

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly tokens: TokenStore,
    private readonly definitions: DefinitionStore,
    private readonly log: ExtensionLog,
    /** The running sandbox's origin: the only loopback origin the verifier may fetch keys from. */
    private readonly sandboxOrigin: () => string | undefined,
    private readonly loadVerifier: () => Promise<typeof SignatureVerifier>,
  ) {}

  /** Serializer hook: a panel VS Code restored after a reload. Tokens live in memory only, so they may be gone. */
  async revive(webviewPanel: vscode.WebviewPanel, state: InspectorState | undefined): Promise<void> {
    const held =
      state?.agentId && state.scope ? this.tokens.find(state.agentId, state.scope, state.subject) : undefined;
    const panel = await this.adopt(webviewPanel, held ? exchangeKey(held.agentId, held.scope, held.subject) : '');
    if (held) panel.show(this.exchangeContent(held.agentId, held.scope, held.result, held.subject));
    else
      panel.showEmpty(
        'The token shown here before the reload is no longer in memory (tokens are never written to disk). Run "Get Agent Token" or "Inspect Token…" again.',
      );
  }

  async showExchange(agentId: string, scope: string, result: AgentTokenResult, subject?: string): Promise<void> {
    (await this.panelFor(exchangeKey(agentId, scope, subject))).show(
      this.exchangeContent(agentId, scope, result, subject),
    );
  }

  async showToken(token: DecodedToken, source: string): Promise<void> {
    (await this.panelFor(`token:${token.raw}`)).show({
      view: singleTokenView(token, source),
      tokens: [token],
      state: {},
    });
  }

  /** How many inspector tabs are open (for tests). */
  get openPanels(): number {
    return this.panels.size;
  }

  /** A sandbox stopped: every inspector showing its tokens marks them (see InspectorPanel.markIssuerStopped). */
  sandboxStopped(origin: string): boolean {
    let marked = false;
    for (const panel of this.panels.keys()) marked = panel.markIssuerStopped(origin) || marked;
    return marked;
  }

  dispose(): void {
    for (const panel of [...this.panels.keys()]) panel.dispose();
  }

  private exchangeContent(
    agentId: string,
    scope: string,
    result: AgentTokenResult,
    subject?: string,
  ): InspectorContent {
    const name = this.definitions.agent(agentId)?.displayName ?? agentId;
    return {
      view: exchangeView(name, scope, result, undefined, subject),
      tokens: [result.t1, result.token],
      state: { agentId, scope, ...(subject ? { subject } : {}) },
    };
  }

  /** The tab already showing this token, or an empty revived one, or a new tab. */
  private async panelFor(key: string): Promise<InspectorPanel> {
    const entries = [...this.panels.entries()];
    const existing = entries.find(([, k]) => k === key)?.[0] ?? entries.find(([, k]) => k === '')?.[0];
    if (existing) {
      this.panels.set(existing, key);
      return existing;
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      INSPECTOR_VIEW_TYPE,
      'Token Inspector',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adopt(webviewPanel, key);
  }

  private async adopt(webviewPanel: vscode.WebviewPanel, key: string): Promise<InspectorPanel> {
    const Verifier = await this.loadVerifier();
    const panel = new InspectorPanel(webviewPanel, this.extensionUri, () => this.verifier(Verifier), this.log);
    panel.onDidClose(() => this.panels.delete(panel));
    this.panels.set(panel, key);
    return panel;
  }

  /** One verifier (and its key cache) while the allowed hosts stay the same. */
  private verifier(Verifier: typeof SignatureVerifier): SignatureVerifier {
    const hosts = readSettings().additionalAuthorityHosts;
    if (!this.verifierInstance || this.verifierHosts !== hosts.join(',')) {
      this.verifierInstance = new Verifier({ extraHosts: hosts, sandboxOrigin: this.sandboxOrigin });
      this.verifierHosts = hosts.join(',');
    }
    return this.verifierInstance;
  }
}

function exchangeKey(agentId: string, scope: string, subject: string | undefined): string {
  return `exchange:${JSON.stringify([agentId, scope, subject ?? ''])}`;
}
