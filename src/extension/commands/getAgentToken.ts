import * as vscode from 'vscode';
import { validateDefaultScope } from '../../core/config';
import { ConfigError } from '../../core/errors';
import { pickAgent, plainArgs } from '../prompts';
import { AgentNode } from '../tree/nodes';
import type { CommandContext } from './context';

export interface GetAgentTokenArgs {
  agentId: string;
  scope?: string;
  forceRefresh?: boolean;
  /** Default true: show the tokens in the inspector. */
  openInspector?: boolean;
}

/** What the command returns to a script: the token the user asked for, its claims and the legs. */
export interface AgentTokenSummary {
  agentId: string;
  scope: string;
  accessToken: string;
  expiresOn: string;
  fromCache: boolean;
  claims: Record<string, unknown>;
  t1Claims: Record<string, unknown>;
  legs: { name: string; status: number; durationMs: number; cached: boolean }[];
}

export async function getAgentToken(ctx: CommandContext, arg?: unknown): Promise<AgentTokenSummary> {
  const args = plainArgs<GetAgentTokenArgs>(arg);
  const agent = args ? ctx.definitions.agent(args.agentId ?? '') : arg instanceof AgentNode ? arg.agent : await pickAgent(ctx.definitions, 'Get Agent Token');
  if (!agent) throw new ConfigError('Agent identity', `${String(args?.agentId)} is not in the list.`, 'Add it first, or start the sandbox tenant.');
  const scope = validateDefaultScope(args?.scope ?? agent.defaultScope, 'Scope');
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Getting a token for ${agent.displayName}…`, cancellable: true },
    (_progress, cancellation) => {
      const abort = new AbortController();
      const sub = cancellation.onCancellationRequested(() => abort.abort());
      return ctx.tokenService.acquire(agent, scope, abort.signal, args?.forceRefresh === true).finally(() => sub.dispose());
    },
  );
  if (args?.openInspector !== false) await ctx.inspector.showExchange(agent.clientId, scope, result);
  vscode.window.setStatusBarMessage(`$(key) Token for ${agent.displayName} ${result.fromCache ? 'reused from cache' : 'acquired'}`, 4000);
  return {
    agentId: agent.clientId,
    scope,
    accessToken: result.accessToken,
    expiresOn: result.expiresOn.toISOString(),
    fromCache: result.fromCache,
    claims: result.token.claims,
    t1Claims: result.t1.claims,
    legs: result.legs.map((l) => ({ name: l.name, status: l.status, durationMs: l.durationMs, cached: l.cached })),
  };
}
