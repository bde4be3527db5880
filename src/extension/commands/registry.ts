import * as vscode from 'vscode';
import { reportCommandError } from '../errorBoundary';
import { addAgentIdentity } from './addAgentIdentity';
import { addBlueprint } from './addBlueprint';
import type { CommandContext, CommandHandler } from './context';
import { copyAccessToken } from './copyAccessToken';
import { editBlueprint } from './editBlueprint';
import { getAgentToken } from './getAgentToken';
import { exportDefinitions, importDefinitions } from './importExport';
import { inspectToken } from './inspectToken';
import { CommandId } from './ids';
import { removeAgentIdentity } from './removeAgentIdentity';
import { removeBlueprint } from './removeBlueprint';
import { startSandbox, stopSandbox } from './sandbox';
import { setBlueprintCredential } from './setBlueprintCredential';

const handlers: Record<CommandId, CommandHandler> = {
  [CommandId.addBlueprint]: addBlueprint,
  [CommandId.addAgentIdentity]: addAgentIdentity,
  [CommandId.getAgentToken]: getAgentToken,
  [CommandId.copyAccessToken]: copyAccessToken,
  [CommandId.inspectToken]: inspectToken,
  [CommandId.setBlueprintCredential]: setBlueprintCredential,
  [CommandId.editBlueprint]: editBlueprint,
  [CommandId.removeBlueprint]: removeBlueprint,
  [CommandId.removeAgentIdentity]: removeAgentIdentity,
  [CommandId.exportDefinitions]: exportDefinitions,
  [CommandId.importDefinitions]: importDefinitions,
  [CommandId.refresh]: (ctx) => ctx.tree.refresh(),
  [CommandId.showLog]: (ctx) => ctx.log.show(),
  [CommandId.startSandbox]: startSandbox,
  [CommandId.stopSandbox]: stopSandbox,
};

/** Registers every command behind one error boundary. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (e) {
        reportCommandError(id, e, ctx.log);
        return undefined;
      }
    }),
  );
}
