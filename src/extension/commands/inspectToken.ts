import * as vscode from 'vscode';
import { decodeToken } from '../../core/tokens/jwt';
import { ConfigError } from '../../core/errors/errors';
import { ask, pick, plainArgs } from '../prompts';
import type { HeldToken } from '../tokens/tokenStore';
import { TokenNode } from '../tree/nodes';
import type { CommandContext } from './context';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

/**
 * Opens the inspector on a token: a held one (from the tree), one given as an argument, or, asked with a quick pick,
 * a held token, the editor selection, the clipboard, or one pasted in. The clipboard is read only when the user
 * picks it. The token is decoded here; the only request it leads to is for its issuer's public signing keys.
 */
export async function inspectToken(ctx: CommandContext, arg?: unknown): Promise<{ claims: Record<string, unknown> }> {
  if (arg instanceof TokenNode) {
    await ctx.inspector.showExchange(arg.token.agentId, arg.token.scope, arg.token.result, arg.token.subject);
    return { claims: arg.token.result.token.claims };
  }
  const given = plainArgs<{ token: string }>(arg)?.token;
  let text: string;
  let source: string;
  if (given !== undefined) {
    [text, source] = [given, 'a script'];
  } else {
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    const held = ctx.tokens.all();
    type Source = 'held' | 'selection' | 'clipboard' | 'paste';
    const choices: (vscode.QuickPickItem & { source: Source })[] = [
      ...(held.length
        ? [{ label: '$(key) A token you got', description: `${held.length} held`, source: 'held' as const }]
        : []),
      ...(JWT.test(selection) ? [{ label: '$(selection) The editor selection', source: 'selection' as const }] : []),
      { label: '$(clippy) The clipboard', description: 'read only now that you ask', source: 'clipboard' },
      { label: '$(edit) Paste a token', source: 'paste' },
    ];
    const chosen = await pick(choices, { title: 'Inspect Token', placeHolder: 'Where is the token?' });
    if (chosen.source === 'held') {
      const token = await pickHeld(ctx, held);
      await ctx.inspector.showExchange(token.agentId, token.scope, token.result, token.subject);
      return { claims: token.result.token.claims };
    }
    if (chosen.source === 'selection') [text, source] = [JWT.exec(selection)![0], 'the editor selection'];
    else if (chosen.source === 'clipboard') {
      const clipboard = await vscode.env.clipboard.readText().then(undefined, () => '');
      const found = JWT.exec(clipboard)?.[0];
      if (!found)
        throw new ConfigError('Clipboard', 'holds no JWT.', 'Copy the token (eyJ…) first, or choose "Paste a token".');
      [text, source] = [found, 'the clipboard'];
    } else {
      text = await ask({
        title: 'Inspect Token',
        prompt: "Paste a JWT: it is decoded here; the only request made is for its issuer's public signing keys",
        password: false,
        validate: (v) => decodeToken(v),
      });
      source = 'your input';
    }
  }
  const token = decodeToken(text);
  await ctx.inspector.showToken(token, source);
  return { claims: token.claims };
}

async function pickHeld(ctx: CommandContext, held: readonly HeldToken[]): Promise<HeldToken> {
  if (held.length === 1) return held[0]!;
  return (
    await pick(
      held.map((t) => ({
        label: ctx.definitions.agent(t.agentId)?.displayName ?? t.agentId,
        description: `${t.scope}${t.subject ? ` · as ${t.subject}` : ''}`,
        token: t,
      })),
      { title: 'Inspect Token', placeHolder: 'Choose a token' },
    )
  ).token;
}
