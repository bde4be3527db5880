import * as vscode from 'vscode';
import { plainArgs } from '../prompts';
import type { SandboxStatus } from '../sandboxController';
import type { CommandContext } from './context';

export async function startSandbox(ctx: CommandContext): Promise<SandboxStatus> {
  const running = !!ctx.sandbox.status;
  const status = await ctx.sandbox.start();
  // A new sandbox signs with new keys, often on the same port: a T1 cached from the last one would be refused
  // (AADSTS700027) where the engine's cache keys it by origin.
  if (!running) ctx.tokenService.clearCache();
  vscode.window.setStatusBarMessage(`$(beaker) Sandbox tenant running at ${status.authority}`, 5000);
  return status;
}

export interface StopSandboxArgs {
  /** A script's explicit yes: what was made in the sandbox goes with it, unasked. */
  confirmed: boolean;
}

/**
 * Stops the sandbox. What was made in it since it started (blueprints and agent identities through Graph) lives in
 * its memory only and goes with it: the user is asked first, unless a script confirmed.
 */
export async function stopSandbox(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const status = ctx.sandbox.status;
  if (!status) return false;
  const made = madeInSandbox(ctx, status);
  if ((made.blueprints || made.agents) && !plainArgs<StopSandboxArgs>(arg)?.confirmed) {
    const STOP = 'Stop Sandbox';
    const answer = await vscode.window.showWarningMessage(
      `Stop the sandbox tenant? ${countOf(made.blueprints, 'blueprint')}${made.blueprints && made.agents ? ' and ' : ''}${countOf(made.agents, 'agent identity', 'agent identities')} you made in it go with it.`,
      {
        modal: true,
        detail:
          'The sandbox keeps its directory in memory only: what was made in it is not on disk and not in Export. Its next start begins again from its own blueprint and agents.',
      },
      STOP,
    );
    if (answer !== STOP) return false;
  }
  const origin = status.authority;
  const stopped = await ctx.sandbox.stop();
  if (stopped) ctx.tokenService.clearCache();
  if (stopped) ctx.tokenService.disarmSimulation();
  if (stopped && origin) ctx.inspector.sandboxStopped(origin);
  return stopped;
}

/** What the sandbox holds beyond its own start: made through Graph since it started (in memory only). */
function madeInSandbox(ctx: CommandContext, status: SandboxStatus): { blueprints: number; agents: number } {
  const own = new Set([...status.blueprintIds, ...status.agentIds]);
  const sandboxBlueprints = ctx.definitions.blueprints().filter((b) => b.sandbox);
  const ids = new Set(sandboxBlueprints.map((b) => b.clientId));
  return {
    blueprints: sandboxBlueprints.filter((b) => !own.has(b.clientId)).length,
    agents: ctx.definitions.agents().filter((a) => ids.has(a.blueprintId) && !own.has(a.clientId)).length,
  };
}

function countOf(n: number, one: string, many = `${one}s`): string {
  return n === 0 ? '' : `${n} ${n === 1 ? one : many}`;
}
