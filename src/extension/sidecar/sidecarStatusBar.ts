import * as vscode from 'vscode';
import type { SidecarController } from './sidecarController';

/** While the agent sidecar runs: its port and how many requests it answered. Click: the Agent Sidecar view. */
export class SidecarStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'entraAgentTokens.sidecar',
    vscode.StatusBarAlignment.Right,
    99,
  );
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sidecar: SidecarController) {
    this.item.name = 'Entra Agent Tokens: agent sidecar';
    // The view's own focus command (contributed by the workbench for every view).
    this.item.command = { command: 'entraAgentTokens.sidecar.focus', title: 'Show Agent Sidecar' };
    this.subscription = sidecar.onDidChange(() => this.update());
  }

  private update(): void {
    const status = this.sidecar.status;
    if (!status) {
      this.item.hide();
      return;
    }
    const count = this.sidecar.requestCount;
    this.item.text = `$(broadcast) Sidecar :${status.port} · ${count}`;
    this.item.tooltip = `Agent sidecar at ${status.url} for ${status.blueprintName}: ${count} request${count === 1 ? '' : 's'} answered. Click to see them.`;
    this.item.accessibilityInformation = {
      label: `Agent sidecar on port ${status.port}, ${count} request${count === 1 ? '' : 's'}`,
    };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
