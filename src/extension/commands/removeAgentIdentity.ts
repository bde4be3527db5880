import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors';
import { pickAgent, plainArgs } from '../prompts';
import { AgentNode } from '../tree/nodes';
import type { CommandContext } from './context';

export async function removeAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const args = plainArgs<{ agentId: string }>(arg);
  const agent = args
    ? ctx.definitions.agent(args.agentId ?? '')
    : arg instanceof AgentNode
      ? arg.agent
      : await pickAgent(
          ctx.definitions,
          'Remove Agent Identity',
          (a) => !ctx.definitions.blueprint(a.blueprintId)?.sandbox,
        );
  if (!agent) return false;
  if (ctx.definitions.blueprint(agent.blueprintId)?.sandbox)
    throw new ConfigError('Agent identity', 'belongs to the sandbox tenant.', 'Stop the sandbox tenant to remove it.');
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
