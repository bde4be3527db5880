import * as vscode from 'vscode';
import { reportOf } from '../core/errorReport';
import type { ExtensionLog } from './log';

/** The user dismissed a prompt: ends a command silently, like a cancel. */
export class PromptDismissed extends Error {
  override readonly name = 'PromptDismissed';
}

/** Errors already shown: a failure that crosses two boundaries (a webview message that runs a command) is shown once. */
const shown = new WeakSet<object>();

/**
 * The one boundary for commands and webview messages (and next, sidecar requests and language-model tools): a cancel
 * or a dismissed prompt is quiet; an Entra, configuration or credential error is explained in one sentence; anything
 * else is logged in full. Each is shown once, with a "Show Log" button.
 */
export function reportError(where: string, e: unknown, log: ExtensionLog): void {
  if (e instanceof PromptDismissed) {
    log.trace(`${where}: prompt dismissed`);
    return;
  }
  const report = reportOf(e);
  if (report.kind === 'cancelled') {
    log.info(`${where}: ${report.logLine}`);
    return;
  }
  if (typeof e === 'object' && e !== null) {
    if (shown.has(e)) return;
    shown.add(e);
  }
  if (report.kind === 'unexpected' || (report.kind === 'explained' && report.category === 'entra'))
    log.error(`${where}: ${report.logLine}`);
  else log.warn(`${where}: ${report.logLine}`);
  void vscode.window.showErrorMessage(report.summary, 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show();
  });
}

/** Runs `work` behind the boundary: resolves to its result, or to undefined once the error has been reported. */
export async function guarded<T>(where: string, log: ExtensionLog, work: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    reportError(where, e, log);
    return undefined;
  }
}
