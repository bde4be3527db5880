// Stop Sandbox's question (in the lazy chunk dist/provisioning.js): what was made in the sandbox since it started
// lives in its memory only, and goes with it.
import * as vscode from 'vscode';
import type { CommandContext } from '../commands/context';

/** Whether the sandbox may stop: yes when nothing made in it would be lost, else the user's answer. */
export async function mayStop(ctx: CommandContext): Promise<boolean> {
  const made = madeInSandbox(ctx);
  if (!made.blueprints && !made.agents) return true;
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
  return answer === STOP;
}

/** What the sandbox holds beyond its own start: made through Graph since it started (in memory only). */
function madeInSandbox(ctx: CommandContext): { blueprints: number; agents: number } {
  const made = (id: string) => !ctx.sandbox.isBuiltIn(id);
  const sandboxBlueprints = ctx.definitions.blueprints().filter((b) => b.sandbox);
  const ids = new Set(sandboxBlueprints.map((b) => b.clientId));
  return {
    blueprints: sandboxBlueprints.filter((b) => made(b.clientId)).length,
    agents: ctx.definitions.agents().filter((a) => ids.has(a.blueprintId) && made(a.clientId)).length,
  };
}

function countOf(n: number, one: string, many = `${one}s`): string {
  return n === 0 ? '' : `${n} ${n === 1 ? one : many}`;
}
