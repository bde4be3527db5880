// `npm start`: the main job on the built-in sandbox tenant. Starts `entra-agent-tokens sandbox`, then runs
// `entra-agent-tokens token` against it with the sandbox blueprint's secret in an environment variable, and shows
// both legs and both decoded tokens. Nothing leaves this machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const sandbox = spawn(process.execPath, [cli, 'sandbox', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const stopSandbox = () => sandbox.exitCode === null && sandbox.kill('SIGINT');
process.on('exit', stopSandbox);

const [line] = await Promise.race([
  once(createInterface({ input: sandbox.stdout }), 'line'),
  once(sandbox, 'exit').then(([code]) => {
    throw new Error(`the sandbox exited (code ${code}) before it was ready`);
  }),
]);
const info = JSON.parse(line);
const blueprint = info.blueprints[0];
const agent = blueprint.agents[0];
const args = [
  'token',
  '--authority',
  info.authority,
  '--tenant',
  info.tenantId,
  '--blueprint',
  blueprint.clientId,
  '--agent',
  agent.clientId,
  '--client-secret-env',
  'SANDBOX_BLUEPRINT_SECRET',
];

console.log(`Sandbox tenant ${info.tenantId} is running at ${info.authority}.`);
console.log(`Getting a token for agent identity "${agent.displayName}" of blueprint "${blueprint.displayName}":`);
console.log(`  $ node dist/cli.js ${args.join(' ')}\n`);

const token = spawn(process.execPath, [cli, ...args], {
  stdio: 'inherit',
  env: { ...process.env, SANDBOX_BLUEPRINT_SECRET: blueprint.clientSecret },
});
const [code] = await once(token, 'exit');
stopSandbox();
await once(sandbox, 'exit');
process.exitCode = code ?? 1;
