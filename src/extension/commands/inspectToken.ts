import * as vscode from 'vscode';
import { decodeToken } from '../../core/jwt';
import { ask, plainArgs } from '../prompts';
import { TokenNode } from '../tree/nodes';
import type { CommandContext } from './context';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

/**
 * Opens the inspector on a token: a held one (from the tree), one given as an argument, the editor selection, the
 * clipboard, or one typed in. The token is decoded locally and sent nowhere, except that its issuer's public keys
 * may be fetched to check the signature.
 */
export async function inspectToken(ctx: CommandContext, arg?: unknown): Promise<{ claims: Record<string, unknown> }> {
  if (arg instanceof TokenNode) {
    await ctx.inspector.showExchange(arg.token.agentId, arg.token.scope, arg.token.result);
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
    const clipboard = JWT.test(selection) ? '' : await vscode.env.clipboard.readText().then(undefined, () => '');
    if (JWT.test(selection)) [text, source] = [JWT.exec(selection)![0], 'the editor selection'];
    else if (JWT.test(clipboard)) [text, source] = [JWT.exec(clipboard)![0], 'the clipboard'];
    else {
      text = await ask({
        title: 'Inspect Token',
        prompt: 'Paste a JWT (it is decoded here and sent nowhere)',
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
