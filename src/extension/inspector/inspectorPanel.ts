import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DecodedToken } from '../../core/tokens/jwt';
import type { SignatureVerifier } from '../../core/tokens/signature';
import {
  COPY_KINDS,
  parseWebviewMessage,
  type HostToWebview,
  type InspectorState,
  type CallView,
  type InspectorView,
  type ProgressView,
  type RequestDraft,
  type WebviewRequest,
  type WebviewResponse,
} from '../../webview/protocol';
import { guarded } from '../errorBoundary';
import type { ExtensionLog } from '../log';
import { copyText } from './inspectorModel';

export const INSPECTOR_VIEW_TYPE = 'entraAgentTokens.inspector';

export interface InspectorContent {
  readonly view: InspectorView;
  /** The tokens behind the view's columns, kept on the host side (for copying and verifying). */
  readonly tokens: readonly DecodedToken[];
  readonly state: InspectorState;
  /** Its issuer (a sandbox) has stopped. */
  readonly stale?: boolean;
}

/** What a call from the request editor comes to: the panel's answer to the webview (done, refused, failed). */
export type CallHandler = (draft: RequestDraft, panel: InspectorPanel) => Promise<{ ok: boolean; message: string }>;

/** A button of the view, run on the host: the webview only names its number (ActionView.action). */
export interface PanelAction {
  readonly label: string;
  run(): Thenable<unknown>;
}

/**
 * One webview panel: renders content, answers copy requests, verifies signatures, hands calls from its request editor
 * to the extension. Knows no network beyond the verifier.
 */
export class InspectorPanel implements vscode.Disposable {
  private content: InspectorContent | undefined;
  /** An exchange under way (shown until its content arrives). */
  private progress: ProgressView | undefined;
  private emptyMessage = 'Nothing to show yet.';
  /** The buttons of what is shown now (a failure's fixes, a refused call's Grant…), by number. */
  private actions: readonly PanelAction[] = [];
  private ready = false;
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly verifier: () => Promise<SignatureVerifier>,
    private readonly log: ExtensionLog,
    private readonly onCall: CallHandler,
  ) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
    };
    panel.webview.html = this.html();
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /**
   * The tokens shown came from a sandbox that has stopped: their issuer is gone, so they are marked, and copying one
   * asks first. Only for the content shown now (a later token is not affected).
   */
  markIssuerStopped(issuerOrigin: string): boolean {
    const content = this.content;
    if (!content || !content.tokens.some((t) => String(t.claims.iss ?? '').startsWith(`${issuerOrigin}/`)))
      return false;
    const note = 'Issued by a stopped sandbox: no API or sandbox will accept it any more.';
    this.content = {
      ...content,
      stale: true,
      view: {
        ...content.view,
        subtitle: `${content.view.subtitle} · issued by a stopped sandbox`,
        columns: content.view.columns.map((c) => ({ ...c, warnings: [note, ...c.warnings] })),
      },
    };
    if (this.ready) this.render();
    return true;
  }

  show(content: InspectorContent): void {
    this.content = content;
    this.progress = undefined;
    this.actions = [];
    this.panel.title = content.view.title;
    if (this.ready) this.render();
    this.panel.reveal(undefined, false);
  }

  /** The current view with its call section replaced (a call under way, then its answer); the tokens stay. */
  showCall(call: CallView, actions: readonly PanelAction[] = []): void {
    if (!this.content) return;
    this.actions = actions;
    this.content = { ...this.content, view: { ...this.content.view, call } };
    if (this.ready) void this.post({ type: 'call', call });
  }

  /** An exchange under way: shown at once, before any token exists, and again as each leg completes. */
  showProgress(progress: ProgressView, reveal = false, actions: readonly PanelAction[] = []): void {
    this.progress = progress;
    this.actions = actions;
    // A failed or cancelled exchange leaves the last token shown (if any) where it was.
    if (progress.state === 'running') this.content = undefined;
    this.panel.title = progress.title;
    if (this.ready && (!this.content || progress.state === 'running')) void this.post({ type: 'progress', progress });
    if (reveal) this.panel.reveal(undefined, false);
  }

  get shownContent(): InspectorContent | undefined {
    return this.content;
  }

  showEmpty(message: string): void {
    this.content = undefined;
    this.progress = undefined;
    this.emptyMessage = message;
    if (this.ready) void this.post({ type: 'empty', message });
  }

  /** Closes the tab. Whoever listens to onDidClose hears it whether the user closed the tab or the code did. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.closed.fire();
    this.closed.dispose();
    this.panel.dispose();
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private render(): void {
    const content = this.content;
    if (!content) {
      if (this.progress) void this.post({ type: 'progress', progress: this.progress });
      else void this.post({ type: 'empty', message: this.emptyMessage });
      return;
    }
    void this.post({ type: 'show', view: content.view, state: content.state });
    void this.verifier().then((verifier) =>
      content.tokens.forEach((token, column) => {
        void verifier.verify(token).then(
          (signature) => this.content === content && this.post({ type: 'signature', column, signature }),
          (e: unknown) => this.log.warn(`Signature check failed to run: ${(e as Error).message}`),
        );
      }),
    );
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn('The token inspector sent a message the extension does not know; ignored.');
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      this.render();
      return;
    }
    // Every request gets exactly one response; a failure is reported once by the boundary and answered as failed.
    const answer = await guarded(`inspector: ${message.type}`, this.log, () => this.answer(message));
    void this.post(
      answer ?? {
        type: 'response',
        id: message.id,
        outcome: 'failed',
        message: 'That did not work; the log says why.',
      },
    );
  }

  private async answer(request: WebviewRequest): Promise<WebviewResponse> {
    const respond = (outcome: WebviewResponse['outcome'], message: string): WebviewResponse => ({
      type: 'response',
      id: request.id,
      outcome,
      message,
    });
    if (request.type === 'act') {
      const action = this.actions[request.action];
      if (!action) return respond('refused', 'That button is no longer there.');
      // Not awaited: a fix asks its own questions; the view changes when it is made (a retry shows its legs).
      void action.run();
      return respond('done', `${action.label.replace(/…$/, '')}.`);
    }
    const content = this.content;
    if (!content) return respond('refused', 'There is no token in the inspector any more.');
    switch (request.type) {
      case 'verify': {
        const token = content.tokens[request.column];
        if (!token) return respond('refused', 'There is no token in that column.');
        void this.post({ type: 'signature', column: request.column, signature: { status: 'pending' } });
        const signature = await (await this.verifier()).verify(token, { userAsked: true });
        if (this.content === content) void this.post({ type: 'signature', column: request.column, signature });
        return respond('done', signature.status === 'verified' ? 'Signature verified.' : 'Signature checked.');
      }
      case 'copy': {
        const raw = content.tokens[content.view.primary]?.raw;
        if (!raw) return respond('refused', 'There is no token to copy.');
        if (content.stale) {
          const go = await vscode.window.showWarningMessage(
            'This token was issued by a sandbox that has stopped: nothing will accept it. Copy it anyway?',
            { modal: true },
            'Copy Anyway',
          );
          if (go !== 'Copy Anyway') return respond('refused', 'Not copied: the token was issued by a stopped sandbox.');
        }
        const copy = copyText(request.what, raw, request.url);
        if ('refused' in copy) {
          void vscode.window.showWarningMessage(copy.refused);
          return respond('refused', copy.refused);
        }
        await vscode.env.clipboard.writeText(copy.text);
        return respond('done', COPY_KINDS[request.what].done);
      }
      case 'call': {
        const outcome = await this.onCall(request.draft, this);
        return respond(outcome.ok ? 'done' : 'refused', outcome.message);
      }
      default:
        return assertNever(request);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('dist', 'codicons', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${uri('media', 'inspector.css')}">
<title>Token Inspector</title>
</head>
<body>
<main id="app" aria-live="off"><p class="muted">Loading…</p></main>
<div id="status" role="status" class="visually-hidden"></div>
<script nonce="${nonce}" src="${uri('dist', 'webview.js')}"></script>
</body>
</html>`;
  }
}

function assertNever(x: never): never {
  throw new Error(`Unhandled webview request: ${JSON.stringify(x)}`);
}
