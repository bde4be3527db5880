// The workbench's own commands, wrapped: a leaf every floor of the extension may import (it imports only vscode and
// the ids), so a tree, a controller or a prompt never reaches up into commands/ for them.
import * as vscode from 'vscode';
import type { ContextKey } from './commands/ids';

/** Sets a `when`-clause context key. */
export function setContext(key: ContextKey, value: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

/** Opens the Settings editor filtered to one setting. */
export function openSettings(settingId: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', settingId);
}

/** Shows a file in the system's file manager (the workbench's own command). */
export function revealFile(uri: vscode.Uri): Thenable<unknown> {
  return vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Gives the keyboard to the quick input that is open (the workbench's own command; nothing happens when none is). */
export function focusQuickInput(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.focusQuickOpen');
}

/** A notification's progress whose Cancel aborts the task's signal; `report` sets the notification's message. */
export async function withCancellableProgress<T>(
  title: string,
  task: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, cancellation) => {
      const abort = new AbortController();
      const sub = cancellation.onCancellationRequested(() => abort.abort());
      try {
        return await task(abort.signal, (message) => progress.report({ message }));
      } finally {
        sub.dispose();
      }
    },
  );
}
