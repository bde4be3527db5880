// Runs test/fixtures/sdk-agent.mjs: an Agents SDK app whose whole environment is the sidecar settings (and PATH).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fixtures } from './helpers';

export type Claims = Record<string, unknown>;

/** The KEY=VALUE lines of "Copy Sidecar Settings" (comments left out), as an environment. */
export function sidecarSettingsEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^\w+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The app's four tokens' claims: app, agent, agent user, blueprint (T1). `node` is which Node runs it. */
export function runSdkAgent(
  env: Record<string, string>,
  tenant: string,
  agent: string,
  user: string,
  node = process.execPath,
): Promise<{ provider: string; app: Claims; agent: Claims; agentUser: Claims; blueprint: Claims }> {
  const script = join(fixtures, 'sdk-agent.mjs');
  return new Promise((resolve, reject) =>
    execFile(
      node,
      [script, tenant, agent, user],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the SDK agent failed: ${stderr.slice(0, 2000) || error.message}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as never);
      },
    ),
  );
}
