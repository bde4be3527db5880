import * as vscode from 'vscode';
import type { DefinitionStore } from '../definitions/definitions';
import type { TokenStore } from './tokenStore';
import { everyAligned, formatDuration } from './durations';
import { CommandId } from '../commands/ids';
import { commandLink } from '../commands/run';

/** The last token's countdown; hidden until there is one. Ticks only while shown. */
export class TokenStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'entraAgentTokens.lastToken',
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly subscription: vscode.Disposable;
  private ticker: { dispose(): void } | undefined;

  constructor(
    private readonly tokens: TokenStore,
    private readonly definitions: DefinitionStore,
  ) {
    this.item.name = 'Entra Agent Tokens: last token';
    this.subscription = tokens.onDidChange(() => this.update());
  }

  private update(): void {
    const last = this.tokens.latest;
    if (!last) {
      this.item.hide();
      this.ticker?.dispose();
      this.ticker = undefined;
      return;
    }
    const name = this.definitions.agent(last.agentId)?.displayName ?? last.agentId;
    const remaining = last.result.expiresOn.getTime() - Date.now();
    this.item.text = remaining > 0 ? `$(key) ${name}: ${formatDuration(remaining)}` : `$(warning) ${name}: expired`;
    this.item.tooltip = `Agent token for ${name} (${last.scope}). Click to copy it.`;
    this.item.command = commandLink(CommandId.copyAccessToken, 'Copy Access Token', {
      agentId: last.agentId,
      scope: last.scope,
      ...(last.subject ? { subject: last.subject } : {}),
    });
    this.item.show();
    this.ticker ??= everyAligned(() => this.update(), 30_000);
  }

  dispose(): void {
    this.ticker?.dispose();
    this.subscription.dispose();
    this.item.dispose();
  }
}
