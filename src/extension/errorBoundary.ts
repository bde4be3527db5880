import * as vscode from 'vscode';
import { EntraError } from '../core/entraError';
import { ConfigError, CredentialError, isCancelled, NetworkError, TokenDecodeError } from '../core/errors';
import type { ExtensionLog } from './log';

/** The user dismissed a prompt: ends a command silently, like a cancel. */
export class PromptDismissed extends Error {
  override readonly name = 'PromptDismissed';
}

/**
 * One boundary around every command: a cancel is silent; anything else is logged in full and shown as one sentence
 * with a "Show Log" button. Returns nothing, so a failed command resolves to undefined for scripted callers.
 */
export function reportCommandError(commandId: string, e: unknown, log: ExtensionLog): void {
  if (e instanceof PromptDismissed) {
    log.trace(`${commandId}: prompt dismissed`);
    return;
  }
  if (isCancelled(e)) {
    log.info(`${commandId}: cancelled.`);
    return;
  }
  let message: string;
  if (e instanceof EntraError) {
    const code = e.code !== undefined ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`;
    log.error(`${commandId}: ${code} ${e.error ?? ''} (HTTP ${e.httpStatus}). ${e.description ?? ''} trace id ${e.traceId ?? '-'}, correlation id ${e.correlationId ?? '-'}, timestamp ${e.timestamp ?? '-'}`);
    message = `${code}: ${e.explanation} ${e.fix}`;
  } else if (e instanceof ConfigError) {
    log.warn(`${commandId}: ${e.message}`);
    message = `${e.field} ${e.problem} ${e.fix}`;
  } else if (e instanceof CredentialError || e instanceof TokenDecodeError || e instanceof NetworkError) {
    log.warn(`${commandId}: ${e.message}`);
    message = e.message;
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    log.error(`${commandId} failed: ${err.message}${err.stack ? `\n${err.stack}` : ''}`);
    message = `Something went wrong: ${err.message}`;
  }
  void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show();
  });
}
