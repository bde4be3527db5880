import * as vscode from 'vscode';
import type { AgentFlow, AgentTokenResult, LegResult } from '../../core/engine/agentTokens';
import type { DecodedToken } from '../../core/tokens/jwt';
import type { SignatureVerifier } from '../../core/tokens/signature';
import type { CallView, InspectorState, ProgressView, RequestDraft } from '../../webview/protocol';
import type { DefinitionStore } from '../definitions/definitions';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import type { TokenStore } from '../tokens/tokenStore';
import { CommandId } from '../commands/ids';
import { runCommand } from '../commands/run';
import { ERROR_ACTION_LABELS } from '../errorActions';
import { explained, runErrorAction, simulationOf } from '../errorBoundary';
import {
  defaultCallUrl,
  exchangeView,
  failedExchange,
  progressView,
  singleTokenView,
  type FailedExchange,
} from './inspectorModel';
import {
  INSPECTOR_VIEW_TYPE,
  InspectorPanel,
  type CallHandler,
  type InspectorContent,
  type PanelAction,
} from './inspectorPanel';

/** An exchange being shown as it happens: each leg, then the tokens (and a call's answer), or why it stopped. */
export interface ExchangeDisplay {
  readonly panel: InspectorPanel;
  leg(leg: LegResult): void;
  /** `error`: what failed, for the explained block (cause, evidence, fix) and its buttons. */
  stopped(state: 'failed' | 'cancelled', message?: string, error?: unknown): void;
  /** `subject`: whose token, once known (the on-behalf-of flow learns it from the token). */
  done(result: AgentTokenResult, options?: { subject?: string; call?: CallView; draft?: RequestDraft }): void;
}

export interface ExchangeTarget {
  readonly agentId: string;
  readonly scope: string;
  readonly flow: AgentFlow;
  readonly subject?: string;
  /** The call that waits for this token. */
  readonly call?: { readonly method: string; readonly url: string };
  /** Show it in this panel (a call from its request editor), not the tab for this token. */
  readonly panel?: InspectorPanel;
  /** The request as the editor had it: kept in the editor if the exchange fails. */
  readonly draft?: RequestDraft;
}

/**
 * Owns the inspector panels: a token shown again reuses its tab; another token opens a new tab (the workbench lets
 * the user pin tabs). Panels are revived after a reload from their persisted identity.
 */
export class InspectorController implements vscode.Disposable {
  /** Each open panel, by what it shows ('' while a revived panel is empty). */
  private readonly panels = new Map<InspectorPanel, string>();
  private verifierInstance: SignatureVerifier | undefined;
  private verifierHosts = '';
  /** Set by the extension once the commands exist: what a Send in a request editor does. */
  onCall: CallHandler = () => Promise.resolve({ ok: false, message: 'Calls are not available yet.' });

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
    const panel = this.adopt(webviewPanel, held ? exchangeKey(held.agentId, held.scope, held.subject) : '');
    if (held) panel.show(this.exchangeContent(held.agentId, held.scope, held.result, held.subject));
    else
      panel.showEmpty(
        'The token shown here before the reload is no longer in memory (tokens are never written to disk). Run "Get Agent Token" or "Inspect Token…" again.',
      );
  }

  async showExchange(agentId: string, scope: string, result: AgentTokenResult, subject?: string): Promise<void> {
    this.panelFor(exchangeKey(agentId, scope, subject)).show(this.exchangeContent(agentId, scope, result, subject));
  }

  /**
   * Opens the inspector at once, before any token exists, and fills it in as the legs complete: the webview starts
   * while the exchange runs instead of after it.
   */
  beginExchange(target: ExchangeTarget): ExchangeDisplay {
    const key = exchangeKey(target.agentId, target.scope, target.subject);
    // A call from a request editor that fails leaves that editor (and its last answer) where it was.
    const previous = target.panel?.shownContent;
    const previousKey = target.panel ? (this.panels.get(target.panel) ?? '') : '';
    const panel = target.panel ?? this.panelFor(key);
    this.panels.set(panel, key);
    const name = this.definitions.agent(target.agentId)?.displayName ?? target.agentId;
    const legs: LegResult[] = [];
    const progress = (state: ProgressView['state'], message?: string, failed?: FailedExchange) =>
      progressView(name, target.scope, target.flow, legs, state, message, target.call, target.subject, failed);
    panel.showProgress(progress('running'), true);
    return {
      panel,
      leg: (leg) => {
        legs.push(leg);
        panel.showProgress(progress('running'));
      },
      stopped: (state, message, error) => {
        if (previous && target.call) {
          const editor = previous.view.editor;
          panel.show(
            editor && target.draft
              ? { ...previous, view: { ...previous.view, editor: { ...editor, draft: target.draft } } }
              : previous,
          );
          panel.showCall({
            ...target.call,
            agentName: name,
            scope: target.scope,
            error:
              state === 'cancelled'
                ? 'Cancelled: no token, nothing sent.'
                : `No token, nothing sent: ${message ?? 'the exchange failed.'}`,
          });
          this.panels.set(panel, previousKey);
        } else if (state === 'failed' && error !== undefined) {
          // The refused leg as sent, why, and the buttons that fix it (the same as the notification's).
          const { scope, actions, details, fix } = explained(error, true);
          const retry = () => runCommand(CommandId.getAgentToken, { agentId: target.agentId, forceRefresh: true });
          const panelActions: PanelAction[] = actions
            .filter((a) => a !== 'copyDetails' || details)
            .map((a) => ({ label: ERROR_ACTION_LABELS[a], run: () => runErrorAction(a, scope, details, retry) }));
          panel.showProgress(
            progress(state, message, failedExchange(error, simulationOf(error), panelActions, fix)),
            false,
            panelActions,
          );
        } else panel.showProgress(progress(state, message));
      },
      done: (result, options = {}) => {
        const subject = options.subject ?? target.subject;
        // One tab per agent and resource: a request editor that switched to a pair another tab shows takes its place.
        const finalKey = exchangeKey(target.agentId, target.scope, subject);
        this.panels.set(panel, finalKey);
        for (const [other, k] of [...this.panels]) if (other !== panel && k === finalKey) other.dispose();
        const content = this.exchangeContent(target.agentId, target.scope, result, subject, options.draft);
        panel.show(options.call ? { ...content, view: { ...content.view, call: options.call } } : content);
      },
    };
  }

  async showToken(token: DecodedToken, source: string): Promise<void> {
    this.panelFor(`token:${token.raw}`).show({
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
    draft?: RequestDraft,
  ): InspectorContent {
    const name = this.definitions.agent(agentId)?.displayName ?? agentId;
    const view = exchangeView(name, scope, result, undefined, subject, this.tokens.permissionsOf(agentId));
    // The request editor: an app-only token of an agent in the list can call an API (the user flows keep curl).
    const agents = this.definitions.agents().map((a) => ({ id: a.clientId, name: a.displayName }));
    const editor =
      result.flow === 'autonomous' && agents.some((a) => a.id === agentId)
        ? {
            draft: draft ?? {
              agentId,
              method: 'GET',
              url: defaultCallUrl(scope, result.token.claims, this.sandboxOrigin()),
              headers: '',
              body: '',
            },
            agents,
          }
        : undefined;
    return {
      view: { ...view, ...(editor ? { editor } : {}) },
      tokens: [result.t1, result.token],
      state: { agentId, scope, ...(subject ? { subject } : {}) },
    };
  }

  /** The tab already showing this token, or an empty revived one, or a new tab. */
  private panelFor(key: string): InspectorPanel {
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

  /** The webview's page is set at once; the verifier's code loads only when a token is there to verify. */
  private adopt(webviewPanel: vscode.WebviewPanel, key: string): InspectorPanel {
    const panel = new InspectorPanel(
      webviewPanel,
      this.extensionUri,
      async () => this.verifier(await this.loadVerifier()),
      this.log,
      (draft, from) => this.onCall(draft, from),
    );
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
