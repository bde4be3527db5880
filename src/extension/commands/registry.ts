import * as vscode from 'vscode';
import { guarded } from '../errorBoundary';
import { runCommand } from './run';
import { addAgentIdentity } from './addAgentIdentity';
import { addBlueprint } from './addBlueprint';
import { callApi } from './callApi';
import type { CommandContext } from './context';
import { copyAccessToken } from './copyAccessToken';
import { copyErrorDetails, showErrorDetails } from './errorDetails';
import { getAgentToken } from './getAgentToken';
import { getAgentTokenForScope } from './getAgentTokenForScope';
import { inspectToken } from './inspectToken';
import { CommandId } from './ids';
import { startSandbox, stopSandbox } from './sandbox';
import { setBlueprintCredential } from './setBlueprintCredential';
import { openSidecarRequest, startSidecar, stopSidecar } from './sidecar';
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
  // Fixes and edits, run rarely: in the lazy chunk dist/provisioning.js.
  [CommandId.editBlueprint]: async (ctx, arg) => (await import('./editBlueprint')).editBlueprint(ctx, arg),
  // Rarely run: in the lazy chunk dist/provisioning.js.
  [CommandId.removeBlueprint]: async (ctx, arg) => (await import('./removeBlueprint')).removeBlueprint(ctx, arg),
  [CommandId.editAgentIdentity]: async (ctx, arg) => (await import('./editAgentIdentity')).editAgentIdentity(ctx, arg),
  [CommandId.removeAgentIdentity]: async (ctx, arg) =>
    (await import('./removeAgentIdentity')).removeAgentIdentity(ctx, arg),
  // Rarely run: in the lazy chunk dist/provisioning.js, with Graph's commands.
  [CommandId.exportDefinitions]: async (ctx, arg) => (await import('./importExport')).exportDefinitions(ctx, arg),
  [CommandId.importDefinitions]: async (ctx, arg) => (await import('./importExport')).importDefinitions(ctx, arg),
  [CommandId.showErrorDetails]: showErrorDetails,
  [CommandId.copyErrorDetails]: copyErrorDetails,
  [CommandId.refresh]: (ctx) => ctx.tree.refresh(),
  [CommandId.showLog]: (ctx) => ctx.log.show(),
  [CommandId.startSandbox]: startSandbox,
  [CommandId.stopSandbox]: stopSandbox,
  [CommandId.simulateEntraError]: async (ctx, arg) => (await import('./simulateError')).simulateEntraError(ctx, arg),
  [CommandId.startSidecar]: startSidecar,
  [CommandId.stopSidecar]: stopSidecar,
  [CommandId.copySidecarSettings]: async (ctx) => (await import('./copySidecarSettings')).copySidecarSettings(ctx),
  [CommandId.exportSidecar]: async (ctx, arg) => (await import('./exportSidecar')).exportSidecar(ctx, arg),
  [CommandId.copySandboxEnvironment]: async (ctx) => (await import('./mcpServerCommand')).copySandboxEnvironment(ctx),
  [CommandId.copyMcpServerCommand]: async (ctx, arg) =>
    (await import('./mcpServerCommand')).copyMcpServerCommand(ctx, arg),
  [CommandId.openSidecarRequest]: openSidecarRequest,
  [CommandId.callApi]: callApi,
  // Graph's commands are a lazy chunk (dist/provisioning.js), loaded on the first of them.
  [CommandId.createAgentIdentity]: async (ctx, arg) => (await import('./graphAgents')).createAgentIdentity(ctx, arg),
  [CommandId.discoverAgentIdentities]: async (ctx, arg) =>
    (await import('./graphAgents')).discoverAgentIdentities(ctx, arg),
  [CommandId.createAgentUser]: async (ctx, arg) => (await import('./graphAgents')).createAgentUser(ctx, arg),
  [CommandId.deleteAgentIdentity]: async (ctx, arg) => (await import('./graphAgents')).deleteAgentIdentity(ctx, arg),
  [CommandId.newBlueprint]: async (ctx, arg) => (await import('./graphBlueprints')).newBlueprint(ctx, arg),
  [CommandId.finishBlueprintSetup]: async (ctx, arg) =>
    (await import('./graphBlueprints')).finishBlueprintSetup(ctx, arg),
  [CommandId.discoverBlueprints]: async (ctx, arg) => (await import('./graphBlueprints')).discoverBlueprints(ctx, arg),
  [CommandId.grantPermissions]: async (ctx, arg) => (await import('./graphBlueprints')).grantPermissions(ctx, arg),
  [CommandId.signInLocalAgent]: async (ctx, arg) => (await import('./signInLocalAgent')).signInToLocalAgent(ctx, arg),
  [CommandId.explainPermissions]: async (ctx, arg) =>
    (await import('./explainPermissions')).explainPermissions(ctx, arg),
  [CommandId.addCertificate]: async (ctx, arg) => (await import('./graphBlueprints')).addCertificate(ctx, arg),
  [CommandId.addFederatedCredential]: async (ctx, arg) =>
    (await import('./graphBlueprints')).addFederatedCredential(ctx, arg),
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
