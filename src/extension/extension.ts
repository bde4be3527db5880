import * as vscode from 'vscode';

/** Minimal for now: the tree, commands and SecretStorage arrive with the extension issue. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Entra Agent Tokens', { log: true });
  context.subscriptions.push(log, vscode.commands.registerCommand('entraAgentTokens.showLog', () => log.show()));
}

export function deactivate(): void {}
