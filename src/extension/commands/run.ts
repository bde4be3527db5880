import * as vscode from 'vscode';
import type { CommandId, ContextKey } from './ids';
import type { CommandArgs, CommandResult } from './signatures';

/**
 * Runs one of our commands with arguments its signature allows. Resolves to undefined when the command failed or the
 * user dismissed it: the registry's error boundary has already told the user.
 */
export function runCommand<K extends CommandId>(
  id: K,
  ...args: CommandArgs<K>
): Thenable<CommandResult<K> | undefined> {
  return vscode.commands.executeCommand<CommandResult<K> | undefined>(id, ...args);
}

/** A `vscode.Command` (a tree row's click, the status bar item) whose arguments are checked like `runCommand`'s. */
export function commandLink<K extends CommandId>(id: K, title: string, ...args: CommandArgs<K>): vscode.Command {
  return { command: id, title, arguments: args };
}

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
