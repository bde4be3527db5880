import * as vscode from 'vscode';
import type { Logger } from '../core/config/logger';
import { logLine } from '../core/safety/redact';

/** The "Entra Agent Tokens" LogOutputChannel, seen by the core as a Logger. Every line is bounded, then tokens are redacted, at this seam. */
export class ExtensionLog implements Logger, vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('Entra Agent Tokens', { log: true });

  trace(message: string): void {
    this.channel.trace(logLine(message));
  }
  info(message: string): void {
    this.channel.info(logLine(message));
  }
  warn(message: string): void {
    this.channel.warn(logLine(message));
  }
  error(message: string): void {
    this.channel.error(logLine(message));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
