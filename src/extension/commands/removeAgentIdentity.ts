import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { pickAgent, plainArgs } from '../prompts';
import type { CommandContext } from './context';
import type { AgentRow } from './contracts';
import { isNode } from './nodeArgs';

export async function removeAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const args = plainArgs<{ agentId: string }>(arg);
  const agent = args
    ? ctx.definitions.agent(args.agentId ?? '')
    : isNode<AgentRow>(arg, 'agent')
      ? arg.agent
      : await pickAgent(
          ctx.definitions,
          'Remove Agent Identity',
          (a) => !ctx.definitions.blueprint(a.blueprintId)?.sandbox,
          "Only the sandbox's agent identities are in the list: they leave it when the sandbox stops (Stop Sandbox Tenant), and Delete Agent Identity from Tenant… deletes one from the sandbox's tenant.",
        );
  if (!agent) return false;
  if (ctx.definitions.blueprint(agent.blueprintId)?.sandbox)
    throw new ConfigError(
      'Agent identity',
      'belongs to the sandbox tenant: it is in the list while the sandbox runs.',
      'Stop the sandbox tenant to clear the list, or use "Delete Agent Identity from Tenant…" to delete it there.',
    );
  if (!args) {
    const answer = await vscode.window.showWarningMessage(
      `Remove agent identity "${agent.displayName}"?`,
      { modal: true, detail: 'Only this list changes; the agent identity in Entra is not touched.' },
      'Remove',
    );
    if (answer !== 'Remove') return false;
  }
  await ctx.definitions.removeAgent(agent.clientId);
  ctx.tokens.forget([agent.clientId]);
  ctx.log.info(`Agent identity ${agent.displayName} (${agent.clientId}) removed.`);
  return true;
}
