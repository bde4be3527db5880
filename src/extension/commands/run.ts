import * as vscode from 'vscode';
import type { CommandId } from './ids';
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
