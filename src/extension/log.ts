import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { redactTokens } from '../core/redact';

/** The "Entra Agent Tokens" LogOutputChannel, seen by the core as a Logger. Tokens are redacted at this seam. */
export class ExtensionLog implements Logger, vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Entra Agent Tokens', { log: true });

  trace(message: string): void {
    this.channel.trace(redactTokens(message));
  }
  info(message: string): void {
    this.channel.info(redactTokens(message));
  }
  warn(message: string): void {
    this.channel.warn(redactTokens(message));
  }
  error(message: string): void {
    this.channel.error(redactTokens(message));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
