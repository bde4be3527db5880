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

/** Owns the one inspector panel: creates or shows it, and revives it after a reload from its persisted identity. */
export class InspectorController implements vscode.Disposable {
  private panel: InspectorPanel | undefined;
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
    const panel = await this.adopt(webviewPanel);
    const held =
      state?.agentId && state.scope ? this.tokens.find(state.agentId, state.scope, state.subject) : undefined;
    if (held) panel.show(this.exchangeContent(held.agentId, held.scope, held.result, held.subject));
    else
      panel.showEmpty(
        'The token shown here before the reload is no longer in memory (tokens are never written to disk). Run "Get Agent Token" or "Inspect Token…" again.',
      );
  }

  async showExchange(agentId: string, scope: string, result: AgentTokenResult, subject?: string): Promise<void> {
    (await this.ensurePanel()).show(this.exchangeContent(agentId, scope, result, subject));
  }

  async showToken(token: DecodedToken, source: string): Promise<void> {
    (await this.ensurePanel()).show({ view: singleTokenView(token, source), tokens: [token], state: {} });
  }

  /** A sandbox stopped: the inspector marks its tokens (see InspectorPanel.markIssuerStopped). */
  sandboxStopped(origin: string): boolean {
    return this.panel?.markIssuerStopped(origin) ?? false;
  }

  dispose(): void {
    this.panel?.dispose();
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

  private async ensurePanel(): Promise<InspectorPanel> {
    if (this.panel) return this.panel;
    const webviewPanel = vscode.window.createWebviewPanel(
      INSPECTOR_VIEW_TYPE,
      'Token Inspector',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adopt(webviewPanel);
  }

  private async adopt(webviewPanel: vscode.WebviewPanel): Promise<InspectorPanel> {
    this.panel?.dispose();
    const Verifier = await this.loadVerifier();
    const panel = new InspectorPanel(webviewPanel, this.extensionUri, () => this.verifier(Verifier), this.log);
    panel.onDidClose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    this.panel = panel;
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
