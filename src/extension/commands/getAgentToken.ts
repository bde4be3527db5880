import * as vscode from 'vscode';
import { isGuid, validateDefaultScope } from '../../core/config/config';
import { checkUserTokenForBlueprint, validateAgentUser, validateDelegatedScopes } from '../../core/engine/userFlows';
import {
  agentUserLabel,
  isSingleInstanceAgent,
  type AgentDefinition,
  type AgentTarget,
  type AgentUserReference,
  type BlueprintDefinition,
} from '../definitions/definitions';
import type { FlowChoice } from '../tokens/tokenService';
import { ConfigError } from '../../core/errors/errors';
import { acquireAndShow } from '../tokens/exchange';
import { agentItems, ask, pickThen, plainArgs } from '../prompts';
import { AgentNode, AgentUserNode, FailureNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { AgentTokenSummary, GetAgentTokenArgs } from './contracts';

export async function getAgentToken(ctx: CommandContext, arg?: unknown): Promise<AgentTokenSummary> {
  const args = plainArgs<GetAgentTokenArgs>(arg);
  const agent = args
    ? ctx.definitions.agent(args.agentId ?? '')
    : arg instanceof AgentNode
      ? arg.agent
      : arg instanceof AgentUserNode
        ? arg.agent
        : arg instanceof FailureNode
          ? ctx.definitions.agent(arg.failure.agentId)
          : undefined;
  // From the palette or the walkthrough: the agent, then the flow, in one quick input.
  const asked =
    args || agent || arg instanceof AgentUserNode || arg instanceof AgentNode || arg instanceof FailureNode
      ? undefined
      : await pickThen(
          {
            items: agentItems(ctx.definitions),
            options: { title: 'Get Agent Token', placeHolder: 'Choose an agent identity', matchOnDetail: true },
          },
          (a) => flowItems(a.agent),
        );
  const chosenAgent = agent ?? asked?.[0].agent;
  if (!chosenAgent)
    throw new ConfigError(
      'Agent identity',
      `${String(args?.agentId)} is not in the list.`,
      'Add it first, or start the sandbox tenant.',
    );
  // Resolved once: the agent with its blueprint, passed down to the wire.
  const target = ctx.definitions.target(chosenAgent);
  const choice: FlowChoice = args
    ? await choiceFromArgs(ctx, target, args)
    : asked
      ? await flowChoiceOf(ctx, target, asked[1])
      : arg instanceof AgentUserNode
        ? { flow: 'agent-user', user: arg.user }
        : { flow: 'autonomous' };
  const scope =
    choice.flow === 'autonomous'
      ? validateDefaultScope(args?.scope ?? chosenAgent.defaultScope, 'Scope')
      : validateDelegatedScopes(args?.scope ?? chosenAgent.defaultScope, 'Scope');
  return acquireAndShow(ctx, target, choice, scope, {
    forceRefresh: args?.forceRefresh === true,
    openInspector: args?.openInspector !== false,
    consent: args ? (args.confirmImportedCredential === true ? 'given' : 'refuse') : 'ask',
  });
}

async function choiceFromArgs(
  ctx: CommandContext,
  { blueprint }: AgentTarget,
  args: Partial<GetAgentTokenArgs>,
): Promise<FlowChoice> {
  if (!args.flow || args.flow === 'autonomous') return { flow: 'autonomous' };
  if (args.flow === 'agent-user')
    return {
      flow: 'agent-user',
      user: { ...(args.userId ? { userId: args.userId } : {}), ...(args.username ? { username: args.username } : {}) },
    };
  return { flow: 'obo', userToken: args.userToken ?? (await sandboxUserToken(ctx, blueprint)) };
}

async function sandboxUserToken(ctx: CommandContext, blueprint: BlueprintDefinition): Promise<string> {
  if (!blueprint.sandbox)
    throw new ConfigError(
      'User token',
      'is missing.',
      "Give the signed-in user's access token for the blueprint (its aud is the blueprint).",
    );
  return ctx.sandbox.userToken(blueprint.clientId);
}

type FlowItem = vscode.QuickPickItem & { choice: 'autonomous' | 'obo' | 'other' | AgentUserReference };

function flowItems(agent: AgentDefinition): { items: FlowItem[]; options: vscode.QuickPickOptions } {
  const users = agent.agentUsers ?? [];
  if (isSingleInstanceAgent(agent))
    return {
      items: [
        {
          label: '$(hubot) As the agent itself',
          description: 'single-instance: one request, no T1',
          choice: 'autonomous',
        },
      ],
      options: { title: `Get Agent Token: ${agent.displayName}`, placeHolder: 'How does the agent act?' },
    };
  return {
    items: [
      { label: '$(hubot) As the agent itself', description: 'autonomous, app-only', choice: 'autonomous' },
      ...users.map((u) => ({
        label: `$(account) As agent user ${agentUserLabel(u)}`,
        description: 'three legs',
        choice: u,
      })),
      { label: '$(account) As another agent user…', description: 'object id or UPN', choice: 'other' },
      {
        label: '$(person) On behalf of a signed-in user…',
        description: 'needs their token for the blueprint',
        choice: 'obo',
      },
    ],
    options: { title: `Get Agent Token: ${agent.displayName}`, placeHolder: 'How does the agent act?' },
  };
}

async function flowChoiceOf(
  ctx: CommandContext,
  { agent, blueprint }: AgentTarget,
  chosen: FlowItem,
): Promise<FlowChoice> {
  if (chosen.choice === 'autonomous') return { flow: 'autonomous' };
  if (chosen.choice === 'obo') {
    if (blueprint.sandbox) return { flow: 'obo', userToken: await sandboxUserToken(ctx, blueprint) };
    const userToken = await ask({
      title: 'On behalf of a user',
      prompt: "The signed-in user's access token for the blueprint (used once, never stored)",
      password: true,
      validate: (v) => checkUserTokenForBlueprint(v, agent.blueprintId, 'User token'),
    });
    return { flow: 'obo', userToken };
  }
  if (chosen.choice === 'other') {
    const who = await ask({
      title: 'As an agent user',
      prompt: "The agent user's object id (preferred) or UPN",
      validate: (v) =>
        validateAgentUser(isGuid(v.trim()) ? v : undefined, isGuid(v.trim()) ? undefined : v, {
          userId: 'Object id',
          username: 'UPN',
        }),
    });
    return {
      flow: 'agent-user',
      user: isGuid(who.trim()) ? { userId: who.trim().toLowerCase() } : { username: who.trim() },
    };
  }
  return { flow: 'agent-user', user: chosen.choice };
}
