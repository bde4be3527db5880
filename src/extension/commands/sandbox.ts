import * as vscode from 'vscode';
import type { SandboxStatus } from '../sandboxController';
import type { CommandContext } from './context';

export async function startSandbox(ctx: CommandContext): Promise<SandboxStatus> {
  const status = await ctx.sandbox.start();
  vscode.window.setStatusBarMessage(`$(beaker) Sandbox tenant running at ${status.authority}`, 5000);
  return status;
}

export function stopSandbox(ctx: CommandContext): Promise<boolean> {
  return ctx.sandbox.stop();
}
