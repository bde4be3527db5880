import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors';
import { pick, plainArgs } from '../prompts';
import type { SandboxStatus } from '../sandboxController';
import { readSettings } from '../settings';
import type { CommandContext } from './context';
import { CommandId } from './ids';
import { runCommand } from './run';

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
  if (stopped && origin) ctx.inspector.sandboxStopped(origin);
  return stopped;
}

export interface SimulateEntraErrorArgs {
  /** One of the sandbox's simulations (src/sandbox/simulations.ts), e.g. 'wrong-secret'. */
  simulation: string;
}

/**
 * Makes the sandbox's next token request fail the way Entra fails most often (a wrong secret, an agent in another
 * tenant, missing consent, throttling, a timeout), so the error screens and their fixes can be tried without a tenant.
 * Returns the simulation armed.
 */
export async function simulateEntraError(ctx: CommandContext, arg?: unknown): Promise<string> {
  const status = ctx.sandbox.status;
  if (!status) throw new ConfigError('Sandbox tenant', 'is not running.', 'Start the sandbox tenant first.');
  let id = plainArgs<SimulateEntraErrorArgs>(arg)?.simulation;
  if (!id) {
    const { SIMULATIONS } = await import('../../sandbox/simulations');
    id = (
      await pick(
        SIMULATIONS.map((s) => ({ label: s.label, detail: s.detail, id: s.id })),
        { title: 'Simulate an Entra Error', placeHolder: 'The next token request from the sandbox answers with…' },
      )
    ).id;
  }
  const simulation = await ctx.sandbox.simulate(id, readSettings().requestTimeoutMs);
  // Cached tokens would answer without asking the sandbox: the next request must reach it, and its refusal is not
  // remembered as a real one.
  ctx.tokenService.armSimulation();
  const agentId = status.agentIds[0];
  if (!plainArgs(arg) && agentId)
    void vscode.window
      .showInformationMessage(`Armed: ${simulation.label}. ${simulation.detail}`, 'Get Agent Token')
      .then((choice) => choice && runCommand(CommandId.getAgentToken, { agentId, forceRefresh: true }));
  return id;
}
