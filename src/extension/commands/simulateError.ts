// Simulate an Entra Error… (rarely run: in the lazy chunk dist/provisioning.js): the sandbox's next token request
// fails as Entra's do most often, and a notice says so until it has.
import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { pick, plainArgs } from '../prompts';
import { readSettings } from '../settings';
import type { CommandContext } from './context';
import type { SimulateEntraErrorArgs } from './contracts';

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
  ctx.tokenService.armSimulation(simulation.label);
  if (!plainArgs(arg)) void armedNotice(ctx, simulation);
  return id;
}

/**
 * While a simulation waits for its request: a notification that says what will fail, closes once it has failed (or
 * the sandbox stopped), and whose Cancel disarms it. A message with buttons could not be closed when it fired.
 */
function armedNotice(ctx: CommandContext, simulation: { label: string; detail: string }): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Armed: ${simulation.label}.`, cancellable: true },
    (progress, cancellation) =>
      new Promise<void>((resolve) => {
        progress.report({
          message: `${simulation.detail} The sandbox's next token request fails once (Get Agent Token on one of its agents shows it); Cancel disarms it.`,
        });
        const subscriptions = [
          ctx.tokenService.onSimulationSpent(() => done()),
          cancellation.onCancellationRequested(() => {
            ctx.sandbox.disarm();
            ctx.tokenService.disarmSimulation();
          }),
        ];
        const done = () => {
          for (const s of subscriptions) s.dispose();
          resolve();
        };
      }),
  );
}
