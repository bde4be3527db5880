import * as vscode from 'vscode';
import type { SandboxStatus } from '../sandboxController';
import type { CommandContext } from './context';

export async function startSandbox(ctx: CommandContext): Promise<SandboxStatus> {
  const running = !!ctx.sandbox.status;
  const status = await ctx.sandbox.start();
  // A new sandbox signs with new keys, often on the same port: a T1 cached from the last one would be refused
  // (AADSTS700027) where the engine's cache keys it by origin.
  if (!running) ctx.tokenService.clearCache();
  vscode.window.setStatusBarMessage(`$(beaker) Sandbox tenant running at ${status.authority}`, 5000);
  return status;
}

export async function stopSandbox(ctx: CommandContext): Promise<boolean> {
  const origin = ctx.sandbox.status?.authority;
  const stopped = await ctx.sandbox.stop();
  if (stopped) ctx.tokenService.clearCache();
  if (stopped) ctx.tokenService.disarmSimulation();
  if (stopped && origin) ctx.inspector.sandboxStopped(origin);
  return stopped;
}
