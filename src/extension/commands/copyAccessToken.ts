import * as vscode from 'vscode';
import { pick, plainArgs } from '../prompts';
import type { HeldToken } from '../tokens/tokenStore';
import { formatDuration } from '../tokens/durations';
import { TokenNode } from '../tree/nodes';
import type { CommandContext } from './context';

/** Copies a held token to the clipboard. Returns whether it copied. */
export async function copyAccessToken(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const args = plainArgs<{ agentId: string; scope: string; subject?: string }>(arg);
  let token: HeldToken | undefined;
  if (arg instanceof TokenNode) token = arg.token;
  else if (args?.agentId && args.scope) token = ctx.tokens.find(args.agentId.toLowerCase(), args.scope, args.subject);
  else token = await pickToken(ctx);
  if (!token) {
    void vscode.window.showInformationMessage(
      'There is no token for that agent identity and scope yet: run "Get Agent Token" first.',
    );
    return false;
  }
  await vscode.env.clipboard.writeText(token.result.accessToken);
  vscode.window.setStatusBarMessage('$(copy) Access token copied', 3000);
  return true;
}

async function pickToken(ctx: CommandContext): Promise<HeldToken | undefined> {
  const held = ctx.tokens.all();
  if (held.length === 0) return undefined;
  if (held.length === 1) return held[0];
  const chosen = await pick(
    held.map((t) => ({
      label: ctx.definitions.agent(t.agentId)?.displayName ?? t.agentId,
      description: `${t.scope}${t.subject ? ` · as ${t.subject}` : ''}`,
      detail: `expires in ${formatDuration(t.result.expiresOn.getTime() - Date.now())}`,
      token: t,
    })),
    { title: 'Copy Access Token', placeHolder: 'Choose a token' },
  );
  return chosen.token;
}
