import * as vscode from 'vscode';
import { ownBlueprint, plainArgs } from '../prompts';
import type { CommandContext } from './context';

/** Removes a blueprint, its agent identities and its secrets. Asks first, unless a script named the blueprint. */
export async function removeBlueprint(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const args = plainArgs<{ blueprintId: string }>(arg);
  const blueprint = await ownBlueprint(
    ctx.definitions,
    arg,
    'Remove Blueprint',
    'Stop the sandbox tenant to remove it.',
  );
  if (!args) {
    const agents = ctx.definitions.agents(blueprint.clientId).length;
    const answer = await vscode.window.showWarningMessage(
      `Remove blueprint "${blueprint.displayName}"${agents ? ` and its ${agents} agent identit${agents === 1 ? 'y' : 'ies'}` : ''}?`,
      {
        modal: true,
        detail: 'Its stored secret or passphrase is deleted from SecretStorage. The blueprint in Entra is not touched.',
      },
      'Remove',
    );
    if (answer !== 'Remove') return false;
  }
  const removed = await ctx.definitions.removeBlueprint(blueprint.clientId);
  await ctx.credentials.deleteAll(blueprint.clientId);
  ctx.tokens.forget(removed?.agents.map((a) => a.clientId) ?? []);
  ctx.log.info(`Blueprint ${blueprint.displayName} (${blueprint.clientId}) removed with its secrets.`);
  return true;
}
