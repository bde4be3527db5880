// Agent mode's API tools at work (loaded on a first call, in the provisioning chunk): the reading tool (GET, HEAD) and
// the changing one (POST, PUT, PATCH, DELETE), each refusing the other's methods before anything is asked; how a call
// is announced (the reading tool's call to the resource's own host unasked, anything else confirmed); and the
// confirmation itself, every value the model gave written as plain text.
import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { callApi, callsOwnHost } from '../commands/callApi';
import type { CommandContext } from '../commands/context';
import type { AgentDefinition } from '../definitions/definitionRules';
import { agentMatching, agentNamed } from './agentNames';

/** What a tool answers: text only, or the text and its structured result (a ToolResult of agentTools.ts). */
export type Answer = string | { structured: unknown; text: string };

/** What either API tool takes (the reading one: no body, GET or HEAD). */
export interface CallApiInput {
  agent: string;
  url: string;
  method?: string;
  scope?: string;
  body?: string;
}

const METHODS = { read: ['GET', 'HEAD'], write: ['POST', 'PUT', 'PATCH', 'DELETE'] } as const;

/** A call of either API tool: its own methods only (the other tool's are refused before anything is asked). */
export async function callTool(ctx: CommandContext, input: CallApiInput, tool: 'read' | 'write'): Promise<Answer> {
  const methods: readonly string[] = METHODS[tool];
  const agent = agentNamed(ctx, input.agent);
  const method = String(input.method ?? methods[0])
    .trim()
    .toUpperCase();
  if (!methods.includes(method))
    throw new ConfigError(
      'Method',
      `${method.slice(0, 20)} is not one this tool sends (it sends ${methods.join(', ')}).`,
      tool === 'read'
        ? 'Use the tool that changes something through an API (entraCallApiWrite) for POST, PUT, PATCH or DELETE.'
        : 'Use the tool that reads from an API (entraCallApi) for GET or HEAD.',
    );
  if (tool === 'read' && input.body !== undefined)
    throw new ConfigError('Body', `does not go with ${method}.`, 'Leave it out, or send it with the changing tool.');
  // A script's call: a host outside the resource's is refused unless the user listed it (no confirmHost).
  const result = await callApi(ctx, {
    agentId: agent.clientId,
    url: input.url,
    method,
    ...(input.scope ? { scope: input.scope, scopeFromModel: true } : {}),
    ...(input.body !== undefined ? { body: input.body } : {}),
    openInspector: false,
  });
  const { apiAnswer } = await import('../../core/tools/agentTools');
  return apiAnswer({ url: input.url, method }, result);
}

function isMethod(input: CallApiInput, methods: readonly string[], fallback: string): boolean {
  return (
    methods.includes(
      String(input.method ?? fallback)
        .trim()
        .toUpperCase(),
    ) && input.body === undefined
  );
}

async function ownHost(ctx: CommandContext, agent: AgentDefinition, input: CallApiInput): Promise<boolean> {
  try {
    return await callsOwnHost(ctx, {
      agent,
      url: String(input.url ?? ''),
      ...(input.scope ? { scope: input.scope, scopeFromModel: true } : {}),
    });
  } catch {
    return false;
  }
}

function hostOf(url: unknown): string {
  try {
    return new URL(String(url)).host;
  } catch {
    return '(not a URL)';
  }
}

/**
 * How an API tool's call is announced: the reading tool's GET or HEAD to the resource's own host with a message
 * only; anything else with the confirmation below.
 */
export async function prepareCall(
  ctx: CommandContext,
  tool: 'read' | 'write',
  input: CallApiInput,
): Promise<vscode.PreparedToolInvocation> {
  const agent = agentMatching(ctx, input.agent);
  if (tool === 'read' && agent && isMethod(input, METHODS.read, 'GET') && (await ownHost(ctx, agent, input)))
    return { invocationMessage: `Reading ${hostOf(input.url)} as ${agent.displayName}` };
  return callConfirmation(ctx, input);
}

/**
 * What the user confirms before agent mode's call-API tool runs (its lines: agentTools.callConfirmationLines). Every
 * value in it came from the model, so each line is plain text (MarkdownString.appendText): a method or URL holding
 * `[link](command:…)` or an image shows as typed.
 */
export async function callConfirmation(
  ctx: CommandContext,
  input: CallApiInput,
): Promise<vscode.PreparedToolInvocation & { confirmationMessages: { message: vscode.MarkdownString } }> {
  const agent = agentMatching(ctx, input.agent);
  const { callConfirmationLines } = await import('../../core/tools/agentTools');
  const { lines, host } = callConfirmationLines(input, agent && `${agent.displayName} (${agent.clientId})`);
  const message = new vscode.MarkdownString();
  lines.forEach((line, i) => {
    if (i > 0) message.appendMarkdown('\n\n');
    message.appendText(line);
  });
  return {
    invocationMessage: `Calling ${host} as ${agent?.displayName ?? 'an agent identity'}`,
    confirmationMessages: { title: 'Call an API with an agent token?', message },
  };
}
