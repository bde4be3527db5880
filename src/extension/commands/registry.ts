import * as vscode from 'vscode';
import { guarded } from '../errorBoundary';
import { runCommand } from './run';
import { addAgentIdentity } from './addAgentIdentity';
import { addBlueprint } from './addBlueprint';
import { callApi } from './callApi';
import { createAgentIdentity, createAgentUser, deleteAgentIdentity, discoverAgentIdentities } from './graphAgents';
import type { CommandContext } from './context';
import { copyAccessToken } from './copyAccessToken';
import { editAgentIdentity } from './editAgentIdentity';
import { copyErrorDetails, showErrorDetails } from './errorDetails';
import { editBlueprint } from './editBlueprint';
import { getAgentToken } from './getAgentToken';
import { getAgentTokenForScope } from './getAgentTokenForScope';
import { exportDefinitions, importDefinitions } from './importExport';
import { inspectToken } from './inspectToken';
import { CommandId } from './ids';
import { removeAgentIdentity } from './removeAgentIdentity';
import { removeBlueprint } from './removeBlueprint';
import { simulateEntraError, startSandbox, stopSandbox } from './sandbox';
import { setBlueprintCredential } from './setBlueprintCredential';
import { copySidecarSettings, openSidecarRequest, startSidecar, stopSidecar } from './sidecar';
import type { CommandResult } from './signatures';

/**
 * A handler gets its argument unchecked (a script or a keybinding can pass anything) and checks it itself; what it
 * resolves to must match the command's signature.
 */
type Handlers = {
  [K in CommandId]: (ctx: CommandContext, arg?: unknown) => CommandResult<K> | Promise<CommandResult<K>>;
};

const handlers: Handlers = {
  [CommandId.addBlueprint]: addBlueprint,
  [CommandId.addAgentIdentity]: addAgentIdentity,
  [CommandId.getAgentToken]: getAgentToken,
  [CommandId.getAgentTokenForScope]: getAgentTokenForScope,
  [CommandId.copyAccessToken]: copyAccessToken,
  [CommandId.inspectToken]: inspectToken,
  [CommandId.setBlueprintCredential]: setBlueprintCredential,
  [CommandId.editBlueprint]: editBlueprint,
  [CommandId.removeBlueprint]: removeBlueprint,
  [CommandId.editAgentIdentity]: editAgentIdentity,
  [CommandId.removeAgentIdentity]: removeAgentIdentity,
  [CommandId.exportDefinitions]: exportDefinitions,
  [CommandId.importDefinitions]: importDefinitions,
  [CommandId.showErrorDetails]: showErrorDetails,
  [CommandId.copyErrorDetails]: copyErrorDetails,
  [CommandId.refresh]: (ctx) => ctx.tree.refresh(),
  [CommandId.showLog]: (ctx) => ctx.log.show(),
  [CommandId.startSandbox]: startSandbox,
  [CommandId.stopSandbox]: stopSandbox,
  [CommandId.simulateEntraError]: simulateEntraError,
  [CommandId.startSidecar]: startSidecar,
  [CommandId.stopSidecar]: stopSidecar,
  [CommandId.copySidecarSettings]: copySidecarSettings,
  [CommandId.openSidecarRequest]: openSidecarRequest,
  [CommandId.callApi]: callApi,
  [CommandId.createAgentIdentity]: createAgentIdentity,
  [CommandId.discoverAgentIdentities]: discoverAgentIdentities,
  [CommandId.createAgentUser]: createAgentUser,
  [CommandId.deleteAgentIdentity]: deleteAgentIdentity,
};

/** Registers every command behind one error boundary. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (arg?: unknown) =>
      guarded(
        id,
        ctx.log,
        () => (handler as Handlers[CommandId])(ctx, arg),
        // Retry runs the same command with the same argument (a tree row, or a script's arguments) once more.
        () => (runCommand as (id: string, arg?: unknown) => Thenable<unknown>)(id, arg),
      ),
    ),
  );
}
