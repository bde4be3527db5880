// npm run bench [-- --quick]: every benchmark of BENCHMARKS.md, printed as one table.
// The sandbox serves HTTPS on loopback with the test certificate. Comparisons are interleaved (A B C A B C …), the
// first runs are discarded as warm-up, and medians are reported. Figures, never assertions. --quick: fewer runs and
// no VS Code journey (a smoke check that the benchmarks still run).
import { graphRows } from './graph';
import { mcpRows } from './mcp';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { build } from 'esbuild';
import { withoutHttp2 } from '../scripts/esbuild-plugins';
import { Client } from 'undici';
import { AgentTokenEngine } from '../src/core/engine/agentTokens';
import { clientSecret } from '../src/core/credentials/credentials';
import { SandboxTenant } from '../src/sandbox/server';
import { defaultDirectoryFile } from '../src/sandbox/directory';
import { redactionRows } from './redaction';
import { sidecarRows } from './sidecar';
import { median, ms, pct } from './stats';

const root = join(__dirname, '..');
const CA = join(root, 'test/fixtures/tls/ca.pem');
const quick = process.argv.includes('--quick');

// msal-node trusts a test CA only through NODE_EXTRA_CA_CERTS, which Node reads at start (the npm script sets it).
if (!process.env.NODE_EXTRA_CA_CERTS) {
  console.error('Run with NODE_EXTRA_CA_CERTS=test/fixtures/tls/ca.pem (npm run bench does).');
  process.exit(2);
}

const RUNS = quick ? 5 : 30;
const WARMUP = quick ? 1 : 5;
const tls = {
  cert: readFileSync(join(root, 'test/fixtures/tls/server.pem')),
  key: readFileSync(join(root, 'test/fixtures/tls/server-key.pem')),
};

interface Target {
  authority: string;
  tenant: string;
  blueprint: string;
  agent: string;
  secret: string;
}

type Exchange = (t: Target) => Promise<void>;

/** This project's core: a fresh engine (fresh pool, empty cache) per exchange. */
const core: Exchange = async (t) => {
  const engine = new AgentTokenEngine();
  await engine.getAutonomousToken({
    authority: t.authority,
    tenant: t.tenant,
    blueprintId: t.blueprint,
    agentId: t.agent,
    scope: 'https://graph.microsoft.com/.default',
    credential: clientSecret(t.secret),
  });
  await engine.close();
};

/** msal-node the way Microsoft's guidance does it: a blueprint client with fmiPath feeding the agent's assertion callback. */
const msal: Exchange = async (t) => {
  const common = { authority: `${t.authority}/${t.tenant}`, knownAuthorities: [new URL(t.authority).host] };
  const blueprint = new ConfidentialClientApplication({
    auth: { clientId: t.blueprint, clientSecret: t.secret, ...common },
  });
  const agent = new ConfidentialClientApplication({
    auth: {
      clientId: t.agent,
      clientAssertion: async () =>
        (await blueprint.acquireTokenByClientCredential({
          scopes: ['api://AzureADTokenExchange/.default'],
          fmiPath: t.agent,
        }))!.accessToken,
      ...common,
    },
  });
  await agent.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
};

/** The floor: two pre-built form POSTs on one kept-alive undici connection. */
const floor: Exchange = async (t) => {
  const client = new Client(t.authority, { connect: { ca: readFileSync(CA) } });
  const path = `/${t.tenant}/oauth2/v2.0/token`;
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const leg1 = `client_id=${t.blueprint}&scope=api%3A%2F%2FAzureADTokenExchange%2F.default&fmi_path=${t.agent}&grant_type=client_credentials&client_secret=${encodeURIComponent(t.secret)}`;
  const r1 = await client.request({ path, method: 'POST', headers, body: leg1 });
  const t1 = ((await r1.body.json()) as { access_token: string }).access_token;
  const leg2 = `client_id=${t.agent}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${t1}`;
  const r2 = await client.request({ path, method: 'POST', headers, body: leg2 });
  await r2.body.json();
  await client.close();
};

async function sandboxProcess(latencyMs = 0): Promise<{ target: Target; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/cli.js'),
      'sandbox',
      '--json',
      '--latency',
      String(latencyMs),
      '--tls-cert',
      join(root, 'test/fixtures/tls/server.pem'),
      '--tls-key',
      join(root, 'test/fixtures/tls/server-key.pem'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const info = JSON.parse(line) as {
    authority: string;
    tenantId: string;
    blueprints: { clientId: string; clientSecret: string; agents: { clientId: string }[] }[];
  };
  const bp = info.blueprints[0]!;
  return {
    target: {
      authority: info.authority,
      tenant: info.tenantId,
      blueprint: bp.clientId,
      agent: bp.agents[0]!.clientId,
      secret: bp.clientSecret,
    },
    stop: () => child.kill('SIGINT'),
  };
}

/** Requests and TLS handshakes one exchange costs, counted by an in-process sandbox. */
async function counts(exchange: Exchange): Promise<{ requests: number; handshakes: number }> {
  const sandbox = await SandboxTenant.start({ tls });
  const info = sandbox.info;
  const bp = info.blueprints[0]!;
  await exchange({
    authority: info.authority,
    tenant: info.tenantId,
    blueprint: bp.clientId,
    agent: bp.agents[0]!.clientId,
    secret: bp.clientSecret!,
  });
  const result = { requests: sandbox.requestCount, handshakes: sandbox.connectionCount };
  await sandbox.stop();
  return result;
}

const LATENCY_MS = 20;

async function coldInProcess(rows: string[][], latencyMs = 0) {
  const { target, stop } = await sandboxProcess(latencyMs);
  const methods: [string, Exchange][] = [
    ['core (this project)', core],
    ['msal-node', msal],
    ['floor: 2 POSTs, raw undici', floor],
  ];
  const times = methods.map(() => [] as number[]);
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [m, [, run]] of methods.entries()) {
        const started = performance.now();
        await run(target);
        if (i >= WARMUP) times[m]!.push(performance.now() - started);
      }
    }
  } finally {
    stop();
  }
  const floorMedian = median(times[2]!);
  const msalMedian = median(times[1]!);
  const where = latencyMs ? `+${latencyMs} ms per request` : 'in process';
  for (const [m, [name, run]] of methods.entries()) {
    const c = await counts(run);
    const ratio = `${(median(times[m]!) / floorMedian).toFixed(2)}× floor${m === 0 ? `, ${(median(times[m]!) / msalMedian).toFixed(2)}× msal-node` : ''}`;
    rows.push([
      `cold exchange, ${where}: ${name}`,
      ms(median(times[m]!)),
      ms(pct(times[m]!, 90)),
      ratio,
      `${c.requests} requests, ${c.handshakes} TLS handshakes`,
    ]);
  }
}

async function warm(rows: string[][]) {
  const file = defaultDirectoryFile();
  const bp = file.tenants[0]!.blueprints[0]!;
  file.tenants[0]!.users = [];
  bp.agents = Array.from({ length: 50 }, (_, i) => ({
    clientId: `a1b2c3d4-e5f6-4a7b-8c9d-${(i + 1).toString(16).padStart(12, '0')}`,
    displayName: `Agent ${i + 1}`,
  }));
  const sandbox = await SandboxTenant.start({ tls, directory: file });
  const info = sandbox.info;
  const engine = new AgentTokenEngine();
  const total = quick ? 200 : 1000;
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      await engine.getAutonomousToken({
        authority: info.authority,
        tenant: info.tenantId,
        blueprintId: bp.clientId,
        agentId: bp.agents[i % 50]!.clientId!,
        scope: 'https://graph.microsoft.com/.default',
        credential: clientSecret(info.blueprints[0]!.clientSecret!),
      });
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  rows.push([
    `warm: ${total} acquisitions, 50 agents, concurrency 20`,
    ms(median(latencies)),
    ms(pct(latencies, 99)),
    '',
    `${sandbox.requestCount} requests, ${sandbox.connectionCount} TLS handshakes`,
  ]);
  await engine.close();
  await sandbox.stop();
}

function processTime(args: string[], n: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    xs.push(performance.now() - started);
  }
  return xs;
}

function cli(rows: string[][]) {
  const n = quick ? 5 : 20;
  const version: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < n; i++) {
    version.push(...processTime([join(root, 'dist/cli.js'), '--version'], 1));
    bare.push(...processTime(['-e', '0'], 1));
  }
  rows.push([
    'CLI --version (process)',
    ms(median(version)),
    ms(pct(version, 90)),
    `${(median(version) / median(bare)).toFixed(2)}× node -e 0 (${ms(median(bare))} ms)`,
    '',
  ]);
}

/** The undici floor process needs undici's Agent bundled the way the engine bundles it (see esbuild.js). */
async function undiciAgentBundle(): Promise<string> {
  const outfile = join(root, 'out', 'bench', 'undici-agent.js');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(root, 'src/core/engine/httpAgent.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    outfile,
    logLevel: 'warning',
    plugins: [withoutHttp2],
  });
  return outfile;
}

/**
 * One cold exchange per process, as a user runs the CLI: `token … --json` against a process sending the two
 * pre-built POSTs with node's https (the goal's floor), the same with undici (what the HTTP library alone costs a
 * process), and the chain with msal-node. Interleaved; each process's wall time from spawn to exit.
 */
async function perProcess(rows: string[][]) {
  const { target, stop } = await sandboxProcess();
  const agentBundle = await undiciAgentBundle();
  const input = JSON.stringify({ ...target, scope: 'https://graph.microsoft.com/.default' });
  const env = { ...process.env, BENCH_SECRET: target.secret, UNDICI_AGENT_BUNDLE: agentBundle };
  const variants: [string, string[]][] = [
    [
      'CLI `token --json` (this project)',
      [
        join(root, 'dist/cli.js'),
        'token',
        '--authority',
        target.authority,
        '--tenant',
        target.tenant,
        '--blueprint',
        target.blueprint,
        '--agent',
        target.agent,
        '--client-secret-env',
        'BENCH_SECRET',
        '--json',
      ],
    ],
    ['floor process: 2 POSTs, node https', [join(root, 'bench/processes/https-floor.cjs'), input]],
    ['undici process: 2 POSTs, raw undici', [join(root, 'bench/processes/undici-floor.cjs'), input]],
    ['msal-node process', [join(root, 'test/fixtures/msal-chain.mjs'), input]],
    ['`node -e 0`', ['-e', '0']],
  ];
  const times = variants.map(() => [] as number[]);
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [v, [name, args]] of variants.entries()) {
        const started = performance.now();
        const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
        const elapsed = performance.now() - started;
        if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(0, 300)}`);
        if (i >= WARMUP) times[v]!.push(elapsed);
      }
    }
  } finally {
    stop();
  }
  const floorMedian = median(times[1]!);
  const msalMedian = median(times[3]!);
  for (const [v, [name]] of variants.entries()) {
    const m = median(times[v]!);
    const ratio =
      v === 0
        ? `${(m / floorMedian).toFixed(2)}× floor, ${(m / msalMedian).toFixed(2)}× msal-node`
        : `${(m / floorMedian).toFixed(2)}× floor`;
    rows.push([
      `one exchange per process: ${name}`,
      ms(m),
      ms(pct(times[v]!, 90)),
      ratio,
      v < 4 ? 'whole process, spawn to exit' : '',
    ]);
  }
}

/** Reads activation and command-to-claims times from the first code-server journey (reported, never asserted). */
function extensionFigures(rows: string[][]) {
  if (!codeServerReady()) {
    rows.push([
      'extension: activation, command → claims',
      '',
      '',
      'skipped: code-server not set up (scripts/setup-code-server.sh)',
      '',
    ]);
    return;
  }
  const r = spawnSync(
    'npx',
    ['mocha', '--config', 'test/e2e/.mocharc.json', '--grep', '^journeys in a real VS Code 1:'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } },
  );
  const click = /claims rendered in the inspector: (\d+) ms/.exec(r.stdout)?.[1];
  const activated = /Activated in ([\d.]+) ms/.exec(r.stdout)?.[1];
  if (r.status !== 0 || !click || !activated) {
    rows.push([
      'extension: activation, command → claims',
      '',
      '',
      `journey failed (${r.status}); see npm run test:e2e`,
      '',
    ]);
    return;
  }
  rows.push(['extension: activation (bundle load + activate())', activated, '', 'one run, code-server', '']);
  inspectorFigures(rows);
  rows.push([
    'extension: Get Agent Token → claims rendered (first inspector)',
    click,
    '',
    'one run; includes the webview start',
    '',
  ]);
}

/** Click → inspector, leg by leg (bench/vscode/inspectorOpen.browser.ts): the first webview, then again. */
function inspectorFigures(rows: string[][]) {
  const r = spawnSync(
    'npx',
    [
      'mocha',
      '--no-config',
      '--extension',
      'ts',
      '--node-option',
      'import=tsx',
      'bench/vscode/inspectorOpen.browser.ts',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const rounds = [
    ...r.stdout.matchAll(
      /inspector round (\d+) \(([^)]+)\): tab (\d+) ms, webview document (\d+) ms, first leg (\d+) ms, claims (\d+) ms/g,
    ),
  ];
  if (r.status !== 0 || rounds.length === 0) {
    rows.push(['extension: click → inspector', '', '', `benchmark failed (${r.status})`, '']);
    return;
  }
  for (const [, n, kind, tab, doc, leg, claims] of rounds)
    rows.push([
      `extension: click → first leg in the inspector, round ${n} (${kind})`,
      leg!,
      '',
      `tab ${tab} ms, webview document ${doc} ms, claims ${claims} ms`,
      '',
    ]);
}

/** The tree at scale, inside code-server (bench/vscode/treeScale.bench.ts): 1,000 agents under 20 blueprints. */
async function treeFigures(rows: string[][]) {
  if (!codeServerReady()) {
    rows.push([
      'tree: 1,000 agents under 20 blueprints',
      '',
      '',
      'skipped: code-server not set up (scripts/setup-code-server.sh)',
      '',
    ]);
    return;
  }
  execFileSync(process.execPath, [join(root, 'esbuild.js'), '--tests'], { cwd: root });
  const { runInVsCode } = await import('../test/vscode/phases');
  const dir = join(root, '.vscode-test', 'runs', 'bench-tree');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { outcomes } = await runInVsCode(dir, ['bench'], { env: { EAT_PHASE: 'bench' } });
  const file = join(dir, 'bench-tree.json');
  if (outcomes.some((o) => o.state !== 'passed') || !existsSync(file)) {
    rows.push([
      'tree: 1,000 agents under 20 blueprints',
      '',
      '',
      `failed: ${outcomes
        .map((o) => o.error ?? o.state)
        .join('; ')
        .slice(0, 200)}`,
      '',
    ]);
    return;
  }
  const f = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  rows.push([
    'tree: build every row, first (1,120 rows, 20 SecretStorage reads)',
    ms(f.coldWalkMs!),
    '',
    'one run, code-server',
    '',
  ]);
  rows.push([
    'tree: build every row again (cached credential reads)',
    ms(f.warmWalkMs!),
    '',
    'one run, code-server',
    '',
  ]);
  rows.push([
    'tree: one countdown tick (100 tokens held)',
    ms(f.tickMs!),
    '',
    `${f.eventsPerMinute} events/min, ${f.rowsPerMinute} rows/min re-rendered`,
    '',
  ]);
  rows.push([
    'tree: set-up (add 20 blueprints + 1,000 agents; 100 exchanges)',
    ms(f.addMs!),
    '',
    `${ms(f.tokensMs!)} ms for the exchanges`,
    '',
  ]);
}

function codeServerReady(): boolean {
  const versions = JSON.parse(readFileSync(join(root, 'test/vscode/versions.json'), 'utf8')) as Record<string, string>;
  const codeServer = Object.entries(versions).find(([k]) => /code.?server/i.test(k))?.[1];
  return !!codeServer && existsSync(join(root, '.vscode-test', `code-server-${codeServer}`));
}

function sizes(rows: string[][]) {
  const kb = (f: string) => statSync(join(root, f)).size / 1024;
  rows.push([
    'size: loaded at activation (extension.js + shared.js)',
    '',
    '',
    `${(kb('dist/extension.js') + kb('dist/shared.js')).toFixed(0)} KB`,
    '',
  ]);
  const lazy: Record<string, string> = {
    'dist/engine.js': 'first exchange, verification or certificate',
    'dist/sandbox.js': 'sandbox start',
    'dist/sidecar.js': 'sidecar start',
    'dist/azure-identity.js': 'managed identities only',
    'dist/node-forge.js': 'PFX files and Add Certificate… only',
    'dist/api.js': 'first Call API or agent tool',
    'dist/provisioning.js': 'first Graph command in VS Code',
    'dist/mcp.js': "the CLI's mcp command only",
  };
  for (const f of ['dist/extension.js', 'dist/shared.js', 'dist/cli.js', 'dist/webview.js', ...Object.keys(lazy)]) {
    rows.push([`size: ${f}${lazy[f] ? ` (loaded on ${lazy[f]})` : ''}`, '', '', `${kb(f).toFixed(0)} KB`, '']);
  }
  const vsix = join(root, 'out', 'bench.vsix');
  execFileSync('npm', ['run', '--silent', 'package', '--', '--out', vsix], { cwd: root, stdio: 'ignore' });
  rows.push(['size: .vsix', '', '', `${(statSync(vsix).size / 1024).toFixed(0)} KB`, '']);
}

async function main() {
  execFileSync(process.execPath, [join(root, 'esbuild.js'), '--production'], { cwd: root });
  const rows: string[][] = [];
  await coldInProcess(rows);
  await coldInProcess(rows, LATENCY_MS);
  await warm(rows);
  await sidecarRows(rows, quick);
  await graphRows(rows, quick);
  await mcpRows(rows, quick);
  cli(rows);
  await perProcess(rows);
  sizes(rows);
  redactionRows(rows, quick);
  await treeFigures(rows);
  if (!quick) extensionFigures(rows);
  const header = ['benchmark', 'median ms', 'p90/p99 ms', 'ratio / size', 'round trips'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(
    `${quick ? 'Quick run' : 'Run'}: ${RUNS} cold exchanges per method after ${WARMUP} warm-up, interleaved; sandbox over HTTPS on loopback.`,
  );
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  execFileSync(process.execPath, [join(root, 'esbuild.js')], { cwd: root });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
