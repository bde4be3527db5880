// Agent mode's tools (contributes.languageModelTools): list agents, decode a token, explain an error, get an agent's
// token, call an API. They run the extension's own paths (the same commands, the same host rule, the same held
// tokens) and answer with core/tools/agentTools.ts's texts: no secret and no raw token, token and API contents as untrusted
// data. Call API asks the user's confirmation on every call (agent, method, host), and never widens the host rule.
// Registered at activation; what they run loads on first use.
import * as vscode from 'vscode';
import { reportOf } from '../../core/errors/errorReport';
import { ConfigError } from '../../core/errors/errors';
import { callApi } from '../commands/callApi';
import type { CommandContext } from '../commands/context';
import { getAgentToken } from '../commands/getAgentToken';
import type { AgentDefinition } from '../definitions/definitions';

export const LM_TOOLS = {
  listAgents: 'entraAgentTokens_listAgents',
  decodeToken: 'entraAgentTokens_decodeToken',
  explainError: 'entraAgentTokens_explainError',
  getAgentToken: 'entraAgentTokens_getAgentToken',
  callApi: 'entraAgentTokens_callApi',
} as const;

interface GetTokenInput {
  agent: string;
  scope?: string;
  flow?: 'autonomous' | 'agent-user' | 'obo';
  user?: string;
}

export interface CallApiInput {
  agent: string;
  url: string;
  method?: string;
  scope?: string;
  body?: string;
}

export function registerLanguageModelTools(ctx: CommandContext): vscode.Disposable[] {
  if (typeof vscode.lm?.registerTool !== 'function') return [];
  const tools = () => import('../../core/tools/agentTools');
  return [
    vscode.lm.registerTool<Record<string, never>>(LM_TOOLS.listAgents, {
      invoke: (_o, token) =>
        answer(ctx, 'listAgents', token, async () => {
          const { untrusted } = await tools();
          const blueprints = ctx.definitions.blueprints().map((b) => ({
            name: b.displayName,
            clientId: b.clientId,
            tenant: b.tenant,
            credentialKind: b.credentialKind,
            ...(b.sandbox ? { sandbox: true } : {}),
            ...(b.setup ? { setupUnfinished: b.setup.missing } : {}),
          }));
          const agents = ctx.definitions.agents().map((a) => ({
            name: a.displayName,
            clientId: a.clientId,
            blueprint: a.blueprintId,
            defaultScope: a.defaultScope,
            ...(a.tenant ? { tenant: a.tenant } : {}),
            agentUsers: (a.agentUsers ?? []).map((u) => u.username ?? u.userId),
          }));
          return `${blueprints.length} blueprint(s) and ${agents.length} agent identit${agents.length === 1 ? 'y' : 'ies'} in the Entra Agent Tokens view. No credential is ever shown.\n${untrusted('The list (names are as users and imports wrote them)', { blueprints, agents })}`;
        }),
    }),
    vscode.lm.registerTool<{ token?: string }>(LM_TOOLS.decodeToken, {
      invoke: (o, token) =>
        answer(ctx, 'decodeToken', token, async () => {
          const given = o.input.token?.trim() || selectedText();
          if (!given)
            throw new ConfigError(
              'Token',
              'none was given and nothing is selected in the editor.',
              'Pass the token, or select it in the editor and ask again.',
            );
          return (await tools()).decodeTokenTool(given).text;
        }),
    }),
    vscode.lm.registerTool<{ text: string }>(LM_TOOLS.explainError, {
      invoke: (o, token) =>
        answer(
          ctx,
          'explainError',
          token,
          async () => (await tools()).explainErrorTool(String(o.input.text ?? '')).text,
        ),
    }),
    vscode.lm.registerTool<GetTokenInput>(LM_TOOLS.getAgentToken, {
      prepareInvocation: (o) => ({ invocationMessage: `Getting a token for ${o.input.agent}` }),
      invoke: (o, token) =>
        answer(ctx, 'getAgentToken', token, async () => {
          const agent = agentNamed(ctx, o.input.agent);
          const user = o.input.user?.trim();
          const got = await getAgentToken(ctx, {
            agentId: agent.clientId,
            ...(o.input.scope ? { scope: o.input.scope } : {}),
            ...(o.input.flow ? { flow: o.input.flow } : {}),
            ...(user ? (/^[0-9a-f-]{36}$/i.test(user) ? { userId: user } : { username: user }) : {}),
            openInspector: false,
          });
          const { summariseToken } = await tools();
          return summariseToken(
            {
              flow: got.flow,
              expiresOn: new Date(got.expiresOn),
              fromCache: got.fromCache,
              claims: got.claims,
              legs: got.legs,
            },
            got.scope,
          ).text;
        }),
    }),
    vscode.lm.registerTool<CallApiInput>(LM_TOOLS.callApi, {
      // Every call is confirmed: the agent, the method, the whole URL, the scope and the body's size.
      prepareInvocation: async (o) => callConfirmation(ctx, o.input),
      invoke: (o, token) =>
        answer(ctx, 'callApi', token, async () => {
          const agent = agentNamed(ctx, o.input.agent);
          const method = o.input.method ?? (o.input.body !== undefined ? 'POST' : 'GET');
          // A script's call: a host outside the resource's is refused unless the user listed it (no confirmHost).
          const result = await callApi(ctx, {
            agentId: agent.clientId,
            url: o.input.url,
            method,
            ...(o.input.scope ? { scope: o.input.scope, scopeFromModel: true } : {}),
            ...(o.input.body !== undefined ? { body: o.input.body } : {}),
            openInspector: false,
          });
          const { apiAnswer } = await tools();
          return apiAnswer({ url: o.input.url, method: method.toUpperCase() }, result).text;
        }),
    }),
  ];
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
  const agent = ctx.definitions.agents().find((a) => matches(a, String(input.agent ?? '')));
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

/** The last guard of what a model reads (agentTools.guardedText): no value sent as a credential, no JWT. */
async function guarded(text: string): Promise<string> {
  const { guardedText } = await import('../../core/tools/agentTools');
  return guardedText(text);
}

/** A tool's run: its text, or the error explained as text the model can act on; a line in the log either way. */
async function answer(
  ctx: CommandContext,
  name: string,
  cancellation: vscode.CancellationToken,
  run: () => Promise<string>,
): Promise<vscode.LanguageModelToolResult> {
  if (cancellation.isCancellationRequested) throw new vscode.CancellationError();
  // A cancelled tool answers at once; what it started finishes on its own (a token is cached, a call completes).
  let stop: vscode.Disposable | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    stop = cancellation.onCancellationRequested(() => reject(new vscode.CancellationError()));
  });
  try {
    const text = await Promise.race([run(), cancelled]);
    ctx.log.info(`Language-model tool ${name}: answered.`);
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(await guarded(text))]);
  } catch (e) {
    if (e instanceof vscode.CancellationError) throw e;
    const report = reportOf(e);
    if (report.kind === 'cancelled') throw new vscode.CancellationError();
    if (report.kind === 'unexpected') ctx.log.error(`Language-model tool ${name}: ${report.logLine}`);
    else ctx.log.info(`Language-model tool ${name}: refused: ${report.logLine}`);
    const { toolFailureText } = await import('../../core/tools/agentTools');
    const said = toolFailureText(e, () => report.summary);
    return new vscode.LanguageModelToolResult([
      new vscode.LanguageModelTextPart(await guarded(`The tool could not do it. ${said}`)),
    ]);
  } finally {
    stop?.dispose();
  }
}

function matches(agent: AgentDefinition, named: string): boolean {
  const n = named.trim().toLowerCase();
  return agent.clientId === n || agent.displayName.toLowerCase() === n;
}

/** An agent identity of the view, by client id or display name (one only). */
function agentNamed(ctx: CommandContext, named: string): AgentDefinition {
  const found = ctx.definitions.agents().filter((a) => matches(a, String(named ?? '')));
  if (found.length === 1) return found[0]!;
  throw new ConfigError(
    'Agent',
    found.length
      ? `"${String(named).slice(0, 80)}" names ${found.length} agent identities.`
      : `"${String(named).slice(0, 80)}" is not an agent identity in the Entra Agent Tokens view.`,
    'Give its client id; the list-agents tool lists them.',
  );
}

function selectedText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  return editor.document.getText(editor.selection).slice(0, 64 * 1024);
}
