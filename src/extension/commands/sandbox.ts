import * as vscode from 'vscode';
import { plainArgs } from '../prompts';
import type { SandboxStatus } from './contracts';
import type { CommandContext } from './context';
import type { StopSandboxArgs } from './contracts';

export async function startSandbox(ctx: CommandContext): Promise<SandboxStatus> {
  const running = !!ctx.sandbox.status;
  const status = await ctx.sandbox.start();
  // A new sandbox signs with new keys, often on the same port: a T1 cached from the last one would be refused
  // (AADSTS700027) where the engine's cache keys it by origin.
  if (!running) ctx.tokenService.clearCache();
  vscode.window.setStatusBarMessage(`$(beaker) Sandbox tenant running at ${status.authority}`, 5000);
  return status;
}

/**
 * Stops the sandbox. What was made in it since it started (blueprints and agent identities through Graph) lives in
 * its memory only and goes with it: the user is asked first, unless a script confirmed.
 */
export async function stopSandbox(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const status = ctx.sandbox.status;
  if (!status) return false;
  // Asks first when what was made in it would go with it (lazy: dist/provisioning.js).
  if (!plainArgs<StopSandboxArgs>(arg)?.confirmed && !(await (await import('../sandbox/stopSandboxAsk')).mayStop(ctx)))
    return false;
  const origin = status.authority;
  const stopped = await ctx.sandbox.stop();
  if (stopped) ctx.tokenService.clearCache();
  if (stopped) ctx.tokenService.disarmSimulation();
  if (stopped && origin) ctx.inspector.sandboxStopped(origin);
  return stopped;
}
