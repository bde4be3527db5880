import * as vscode from 'vscode';
import { ERROR_ACTION_LABELS } from '../errorActions';
import { runErrorAction } from '../errorBoundary';
import { plainArgs } from '../prompts';
import type { AgentFailure } from '../tokens/tokenStore';
import { FailureNode } from '../tree/nodes';
import { CommandId } from './ids';
import { runCommand } from './run';
import type { CommandContext } from './context';

function failureOf(ctx: CommandContext, arg: unknown): AgentFailure | undefined {
  if (arg instanceof FailureNode) return ctx.tokens.failureOf(arg.failure.agentId) ?? arg.failure;
  const id = plainArgs<{ agentId: string }>(arg)?.agentId;
  return id ? ctx.tokens.failureOf(id.toLowerCase()) : undefined;
}

/** A failure row's click: the whole error, with the actions that fix it. Returns whether there was one to show. */
export async function showErrorDetails(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const failure = failureOf(ctx, arg);
  if (!failure) return false;
  const actions = failure.actions;
  const name = ctx.definitions.agent(failure.agentId)?.displayName ?? failure.agentId;
  const choice = await vscode.window.showWarningMessage(
    `Getting a token for ${name} failed: ${failure.message}`,
    { modal: true, detail: failure.details ?? 'The log ("Entra Agent Tokens" output) has the details.' },
    ...actions.map((a) => ERROR_ACTION_LABELS[a]),
  );
  const action = actions.find((a) => ERROR_ACTION_LABELS[a] === choice);
  if (action)
    await runErrorAction(action, failure, failure.details, () =>
      runCommand(CommandId.getAgentToken, { agentId: failure.agentId, forceRefresh: true }),
    );
  // Copying the details keeps the other buttons (Retry, the fix) one click away: the dialog comes back.
  if (action === 'copyDetails') return showErrorDetails(ctx, { agentId: failure.agentId });
  return true;
}

/** Copies a failure's details (code, meaning, trace and correlation ids, time, endpoint) for a support ticket. */
export async function copyErrorDetails(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const failure = failureOf(ctx, arg);
  if (!failure) return false;
  await vscode.env.clipboard.writeText(failure.details ?? failure.message);
  vscode.window.setStatusBarMessage('$(copy) Error details copied', 3000);
  return true;
}
