import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { SandboxTenant } from '../src/sandbox/server';
import { AGENT, BLUEPRINT, SANDBOX_TENANT, startSandbox } from './helpers';

export const root = join(__dirname, '..');
export const cliPath = join(root, 'dist', 'cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Builds dist/ (the CLI runs as shipped). */
export function buildCli(): void {
  execFileSync(process.execPath, [join(root, 'esbuild.js')], { cwd: root });
}

/** Runs the built CLI with only PATH and `env` in its environment; stdin gets `input` (or nothing). */
export function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * The hooks of a CLI suite, called inside its describe: the CLI built once, one sandbox for the suite (reset after
 * each test by the root hooks). Returns the running sandbox.
 */
export function cliSuiteSandbox(): () => SandboxTenant {
  let sandbox: SandboxTenant | undefined;
  before(async () => {
    buildCli();
    sandbox = await startSandbox();
  });
  after(() => sandbox?.stop());
  return () => {
    if (!sandbox) throw new Error('the suite sandbox has not started');
    return sandbox;
  };
}

/**
 * The flags that aim a CLI command at a blueprint of the sandbox's tenant: authority (left out when undefined, for a
 * test of the default), tenant, blueprint (the suite sandbox's first blueprint and tenant unless others are named).
 */
export function sandboxBlueprintArgs(
  authority: string | undefined,
  blueprint = BLUEPRINT,
  tenant = SANDBOX_TENANT,
): string[] {
  return [...(authority === undefined ? [] : ['--authority', authority]), '--tenant', tenant, '--blueprint', blueprint];
}

/** `sandboxBlueprintArgs` and the agent identity: what `token` needs besides its credential. */
export function sandboxAgentArgs(
  authority: string | undefined,
  agent = AGENT,
  blueprint = BLUEPRINT,
  tenant = SANDBOX_TENANT,
): string[] {
  return [...sandboxBlueprintArgs(authority, blueprint, tenant), '--agent', agent];
}
