import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { PromptDismissed } from '../errorBoundary';
import { blueprintItem, pick, plainArgs } from '../prompts';
import type { SidecarStatus } from './contracts';
import { BlueprintNode } from '../tree/nodes';
import { SidecarRequestNode } from '../sidecar/sidecarTree';
import type { CommandContext } from './context';
import { CommandId } from './ids';
import { runCommand } from './run';

type BlueprintItem = ReturnType<typeof blueprintItem> & { startSandbox?: true };

/** Offered when the sandbox is not running: picking it starts the sandbox, then serves its blueprint. */
const START_SANDBOX: BlueprintItem = {
  label: '$(beaker) Sandbox tenant',
  description: 'starts the local sandbox, then serves its blueprint',
  detail: 'Try the sidecar with no tenant: its agents, agent users and tokens are local.',
  startSandbox: true,
};

/**
 * Start Agent Sidecar…: serves the sidecar's API on 127.0.0.1 for one blueprint (the sandbox's is offered first, and
 * started if it is not running). Never runs by itself.
 */
export async function startSidecar(ctx: CommandContext, arg?: unknown): Promise<SidecarStatus> {
  const id = plainArgs<{ blueprintId: string }>(arg)?.blueprintId;
  let blueprint = arg instanceof BlueprintNode ? arg.blueprint : id ? ctx.definitions.blueprint(id) : undefined;
  if (id && !blueprint)
    throw new ConfigError('Blueprint', `${id.slice(0, 60)} is not in the list.`, 'Pick a blueprint from the tree.');
  if (!blueprint) {
    const blueprints = ctx.definitions.blueprints();
    const items: BlueprintItem[] = [
      ...blueprints.filter((b) => b.sandbox).map(blueprintItem),
      ...(ctx.sandbox.status ? [] : [START_SANDBOX]),
      ...blueprints.filter((b) => !b.sandbox).map(blueprintItem),
    ];
    const chosen = await pick(items, {
      title: 'Start Agent Sidecar',
      placeHolder: 'Which blueprint does the sidecar get tokens for? (its credential stays in VS Code)',
    });
    if (chosen.startSandbox) {
      const status = await runCommand(CommandId.startSandbox);
      blueprint = status ? ctx.definitions.blueprint(status.blueprintIds[0] ?? '') : undefined;
      if (!blueprint) throw new PromptDismissed();
    } else blueprint = chosen.blueprint!;
  }
  const status = await ctx.sidecar.start(blueprint);
  if (!arg || arg instanceof BlueprintNode)
    void vscode.window
      .showInformationMessage(
        `Agent sidecar listening at ${status.url} for ${status.blueprintName}. Point your agent at it with SIDECAR_URL; no secret goes in its environment.`,
        'Copy Sidecar Settings',
      )
      .then((choice) => choice && runCommand(CommandId.copySidecarSettings));
  return status;
}

export async function stopSidecar(ctx: CommandContext): Promise<boolean> {
  const url = ctx.sidecar.status?.url;
  const stopped = await ctx.sidecar.stop();
  if (stopped) vscode.window.setStatusBarMessage(`$(debug-stop) Agent sidecar at ${url} stopped`, 4000);
  return stopped;
}

/** A request's row: its token in the inspector with its legs, or what the caller was told when it failed. */
export async function openSidecarRequest(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const id = arg instanceof SidecarRequestNode ? arg.entry.id : plainArgs<{ id: number }>(arg)?.id;
  const entry = typeof id === 'number' ? ctx.sidecar.entry(id) : undefined;
  if (!entry) {
    void vscode.window.showInformationMessage(
      'That request is no longer held: the sidecar keeps its last 50, and forgets them when it starts again.',
    );
    return false;
  }
  const { record, result } = entry;
  if (result) {
    if (result.flow === 'app')
      await ctx.inspector.showToken(
        result.token,
        `the agent sidecar (the blueprint's own token, ${record.scope ?? ''})`,
      );
    else await ctx.inspector.showExchange(record.agentId!, record.scope ?? '', result, record.agentUser);
    return true;
  }
  const copy = 'Copy Details';
  const detail = record.problem ? `${record.problem.title}\n\n${record.problem.detail}` : `HTTP ${record.status}`;
  const choice = await vscode.window.showWarningMessage(
    `The sidecar answered ${record.status} to ${record.route}${record.api ? `/${record.api}` : ''}.`,
    { modal: true, detail },
    copy,
  );
  if (choice === copy) await vscode.env.clipboard.writeText(detail);
  return true;
}
