// Agent mode's tools (contributes.languageModelTools): list agents, decode a token, explain an error, get an agent's
// token, read from an API (GET, HEAD), change something through an API (POST, PUT, PATCH, DELETE). They run the
// extension's own paths (the same commands, the same host rule, the same held tokens) and answer with
// core/tools/agentTools.ts's text and, where VS Code has LanguageModelDataPart, the same structured result as the MCP
// server's (outside data under `untrusted`): no secret and no raw token, token and API contents as untrusted data.
// The reading tool runs without a per-call confirmation when the token goes to the resource's own host, and asks
// otherwise; the changing tool asks on every call (agent, method, whole URL, scope, body size). Neither widens the
// host rule. Registered at activation; what they run loads on first use.
import * as vscode from 'vscode';
import { reportOf } from '../../core/errors/errorReport';
import { ConfigError } from '../../core/errors/errors';
import type { CommandContext } from '../commands/context';
import { getAgentToken } from '../commands/getAgentToken';
import { agentNamed } from './agentNames';
import type { Answer, CallApiInput } from './lmCalls';
import { LM_TOOLS } from './lmToolIds';

/** The API tools' calls and confirmations, loaded on a first call (the provisioning chunk). */
const calls = () => import('./lmCalls');

interface GetTokenInput {
  agent: string;
  scope?: string;
  flow?: 'autonomous' | 'agent-user' | 'obo';
  user?: string;
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
          return {
            structured: {
              blueprintCount: blueprints.length,
              agentCount: agents.length,
              untrusted: { blueprints, agents },
            },
            text: `${blueprints.length} blueprint(s) and ${agents.length} agent identit${agents.length === 1 ? 'y' : 'ies'} in the Entra Agent Tokens view. No credential is ever shown.\n${untrusted('The list (names are as users and imports wrote them)', { blueprints, agents })}`,
          };
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
          return (await tools()).decodeTokenTool(given);
        }),
    }),
    vscode.lm.registerTool<{ text: string }>(LM_TOOLS.explainError, {
      invoke: (o, token) =>
        answer(ctx, 'explainError', token, async () => (await tools()).explainErrorTool(String(o.input.text ?? ''))),
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
            Date.now(),
            agent.clientId,
          );
        }),
    }),
    vscode.lm.registerTool<CallApiInput>(LM_TOOLS.callApi, {
      // A GET or HEAD whose token goes to the resource's own host needs no per-call question; any other host does.
      prepareInvocation: async (o) => (await calls()).prepareCall(ctx, 'read', o.input),
      invoke: (o, token) => answer(ctx, 'callApi', token, async () => (await calls()).callTool(ctx, o.input, 'read')),
    }),
    vscode.lm.registerTool<CallApiInput>(LM_TOOLS.callApiWrite, {
      // Every change is confirmed: the agent, the method, the whole URL, the scope and the body's size.
      prepareInvocation: async (o) => (await calls()).prepareCall(ctx, 'write', o.input),
      invoke: (o, token) =>
        answer(ctx, 'callApiWrite', token, async () => (await calls()).callTool(ctx, o.input, 'write')),
    }),
  ];
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
  run: () => Promise<Answer>,
): Promise<vscode.LanguageModelToolResult> {
  if (cancellation.isCancellationRequested) throw new vscode.CancellationError();
  // A cancelled tool answers at once; what it started finishes on its own (a token is cached, a call completes).
  let stop: vscode.Disposable | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    stop = cancellation.onCancellationRequested(() => reject(new vscode.CancellationError()));
  });
  try {
    const said = await Promise.race([run(), cancelled]);
    ctx.log.info(`Language-model tool ${name}: answered.`);
    if (typeof said === 'string')
      return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(await guarded(said))]);
    // The last guard over both, as the MCP server's: no value sent as a credential, no JWT, in any string.
    const { guardedResult } = await import('../../core/tools/agentTools');
    const result = guardedResult(said);
    return new vscode.LanguageModelToolResult([
      new vscode.LanguageModelTextPart(result.text),
      // A data part is one of the result's parts from 1.105 on; 1.101's types do not name it.
      ...(dataPart(result.structured) as vscode.LanguageModelTextPart[]),
    ]);
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

/**
 * The structured result as a JSON data part, where this VS Code has LanguageModelDataPart (1.105 on; the extension
 * supports 1.101, whose tools answer with the text alone, which says the same).
 */
function dataPart(structured: unknown): unknown[] {
  const DataPart = (vscode as unknown as { LanguageModelDataPart?: { json(value: unknown): unknown } })
    .LanguageModelDataPart;
  return typeof DataPart?.json === 'function' ? [DataPart.json(structured)] : [];
}

function selectedText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  return editor.document.getText(editor.selection).slice(0, 64 * 1024);
}
