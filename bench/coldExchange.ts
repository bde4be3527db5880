// Median of N cold autonomous exchanges against the sandbox (no cache, a fresh connection pool per exchange),
// over HTTP and HTTPS on loopback. The sandbox runs in its own process (the CLI), as a user would run it.
// Run: npm run bench:exchange [-- --runs 20]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentTokenEngine } from '../src/core/engine/agentTokens';
import { clientSecret } from '../src/core/credentials/credentials';

const root = join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const WARMUP = 3;

async function startSandbox(tls: boolean) {
  const extra = tls
    ? [
        '--tls-cert',
        join(root, 'test/fixtures/tls/server.pem'),
        '--tls-key',
        join(root, 'test/fixtures/tls/server-key.pem'),
      ]
    : [];
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'sandbox', '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    child,
    info: JSON.parse(line) as {
      authority: string;
      tenantId: string;
      blueprints: { clientId: string; clientSecret: string; agents: { clientId: string }[] }[];
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(tls: boolean) {
  const { child, info } = await startSandbox(tls);
  const bp = info.blueprints[0]!;
  const ca = tls ? readFileSync(join(root, 'test/fixtures/tls/ca.pem')) : undefined;
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const engine = new AgentTokenEngine(ca ? { ca } : {});
      const started = performance.now();
      await engine.getAutonomousToken({
        authority: info.authority,
        tenant: info.tenantId,
        blueprintId: bp.clientId,
        agentId: bp.agents[0]!.clientId,
        scope: 'https://graph.microsoft.com/.default',
        credential: clientSecret(bp.clientSecret),
      });
      const ms = performance.now() - started;
      await engine.close();
      if (i >= WARMUP) times.push(ms);
    }
  } finally {
    child.kill('SIGINT');
  }
  return times;
}

async function main() {
  await import('node:child_process').then(({ execFileSync }) =>
    execFileSync(process.execPath, [join(root, 'esbuild.js')], { cwd: root }),
  );
  console.log(
    `Cold autonomous exchange (2 legs, fresh pool, no cache), ${RUNS} runs after ${WARMUP} warm-up, sandbox in its own process:`,
  );
  console.log('transport  median ms   p90 ms    min ms    max ms');
  for (const tls of [false, true]) {
    const t = await measure(tls);
    console.log(
      `${(tls ? 'https' : 'http').padEnd(9)}  ${median(t).toFixed(2).padStart(9)}  ${pct(t, 90).toFixed(2).padStart(7)}  ${Math.min(
        ...t,
      )
        .toFixed(2)
        .padStart(8)}  ${Math.max(...t)
        .toFixed(2)
        .padStart(8)}`,
    );
  }
}

void main();
