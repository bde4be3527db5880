// The local agent sidecar's figures (issue 13), rows for npm run bench. The sandbox serves HTTPS on loopback with the
// test certificate (NODE_EXTRA_CA_CERTS, set by npm run bench). Figures only, never asserted.
//  - warm: an agent process asking the `entra-agent-tokens sidecar` process for 50 agents' tokens, 20 at a time;
//  - cold: the legs one token costs at the tenant, and on how many TLS connections;
//  - an agent user's token two ways: SidecarAuthProvider → this sidecar → the tenant, and the Agents SDK's own
//    in-process MSAL provider (MsalTokenProvider) → the tenant.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { MsalTokenProvider, SidecarAuthProvider } from '@microsoft/agents-hosting';
import { request } from 'undici';
import { acquirerOf } from '../src/core/engine/acquisition';
import { AgentTokenEngine } from '../src/core/engine/agentTokens';
import { AgentSidecar, builtInApis } from '../src/sidecar/sidecarServer';
import { EXTENSION_ALLOW_OVERRIDES } from '../src/extension/sidecar/sidecarRules';
import { defaultDirectoryFile } from '../src/sandbox/directory';
import { SandboxTenant } from '../src/sandbox/server';
import { median, ms, pct } from './stats';

const root = join(__dirname, '..');
const GRAPH = 'https://graph.microsoft.com/.default';
const tls = {
  cert: readFileSync(join(root, 'test/fixtures/tls/server.pem')),
  key: readFileSync(join(root, 'test/fixtures/tls/server-key.pem')),
};

/** A sandbox over TLS with 50 agent identities under its blueprint (and its agent user kept). */
async function sandboxWith50Agents(): Promise<{ sandbox: SandboxTenant; agents: string[]; secret: string }> {
  const file = defaultDirectoryFile();
  const bp = file.tenants[0]!.blueprints[0]!;
  const first = bp.agents[0]!;
  bp.agents = [
    first,
    ...Array.from({ length: 49 }, (_, i) => ({
      clientId: `a1b2c3d4-e5f6-4a7b-8c9d-${(i + 1).toString(16).padStart(12, '0')}`,
      displayName: `Agent ${i + 1}`,
    })),
  ];
  const sandbox = await SandboxTenant.start({ tls, directory: file });
  return { sandbox, agents: bp.agents.map((a) => a.clientId!), secret: sandbox.info.blueprints[0]!.clientSecret! };
}

/** A sidecar in this process for the sandbox's blueprint, on a fresh engine (empty caches, no connection yet). */
async function inProcessSidecar(
  sandbox: SandboxTenant,
  secret: string,
): Promise<{ engine: AgentTokenEngine; sidecar: AgentSidecar }> {
  const engine = new AgentTokenEngine();
  const sidecar = await AgentSidecar.start({
    acquire: acquirerOf(engine, { readSecret: async () => secret, warn: () => {} }),
    port: 0,
    blueprint: {
      authority: sandbox.info.authority,
      tenant: sandbox.info.tenantId,
      clientId: sandbox.info.blueprints[0]!.clientId,
      credential: { kind: 'secret' },
    },
    // As the extension serves: the built-in APIs, and overrides on the unauthenticated route.
    apis: builtInApis(sandbox.info.authority),
    allowOverrides: EXTENSION_ALLOW_OVERRIDES,
  });
  return { engine, sidecar };
}

/** Warm: the sidecar as its own process (the CLI), an agent process sending 20 requests at a time for 50 agents. */
async function warm(rows: string[][], quick: boolean): Promise<void> {
  const { sandbox, agents, secret } = await sandboxWith50Agents();
  const info = sandbox.info;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof'] : []),
      join(root, 'dist/cli.js'),
      'sidecar',
      '--authority',
      info.authority,
      '--tenant',
      info.tenantId,
      '--blueprint',
      info.blueprints[0]!.clientId,
      '--client-secret-env',
      'BENCH_SECRET',
      '--port',
      '0',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_SECRET: secret } },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  const url = (JSON.parse(first) as { url: string }).url;
  // The sidecar's own time per request, from its request log (one JSON line each, read as they come).
  let measuring = false;
  const serverMs: number[] = [];
  lines.on('line', (l) => measuring && serverMs.push((JSON.parse(l) as { ms: number }).ms));
  try {
    // Cold: every agent's two legs, once; then the agent process's load, in a process of its own (plain node).
    for (const a of agents) {
      const r = await request(
        `${url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${a}&optionsOverride.RequestAppToken=true`,
      );
      await r.body.json();
    }
    measuring = true;
    const total = quick ? 5_000 : 40_000;
    const load = (n: number, concurrency: number) => {
      const r = spawnSync(
        process.execPath,
        [join(root, 'bench/processes/sidecar-load.cjs'), url, String(n), String(concurrency), ...agents],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`the load process failed: ${r.stderr.slice(0, 300)}`);
      return JSON.parse(r.stdout) as { p50: number; p99: number; rps: number };
    };
    const r = load(total, 20);
    const one = load(total / 5, 1);
    rows.push([
      `sidecar warm: ${total} requests, 50 agents, concurrency 20 (agent process → sidecar process)`,
      ms(r.p50),
      ms(r.p99),
      `${Math.round(r.rps)} requests/s`,
      `${sandbox.requestCount} token requests for 50 agents`,
    ]);
    rows.push([
      `sidecar warm: ${total / 5} requests, 50 agents, one at a time`,
      ms(one.p50),
      ms(one.p99),
      `${Math.round(one.rps)} requests/s`,
      '',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    rows.push([
      "sidecar warm: the sidecar's own time per request (its request log)",
      median(serverMs).toFixed(3),
      pct(serverMs, 99).toFixed(3),
      `${serverMs.length} requests logged`,
      '',
    ]);
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
    await sandbox.stop();
  }
}

/** Cold: one token through an in-process sidecar with a fresh engine; the legs and TLS handshakes at the tenant. */
async function cold(rows: string[][], runs: number): Promise<void> {
  const { sandbox, secret } = await sandboxWith50Agents();
  const info = sandbox.info;
  const agent = info.blueprints[0]!.agents[0]!.clientId;
  const user = sandbox.directory.tenants[0]!.users.find((u) => u.identityParentId === agent)!;
  const kinds: [string, string, number][] = [
    ['agent identity', `AgentIdentity=${agent}&optionsOverride.RequestAppToken=true`, 2],
    ['agent user', `AgentIdentity=${agent}&AgentUsername=${encodeURIComponent(user.userPrincipalName)}`, 3],
  ];
  try {
    for (const [name, query, legs] of kinds) {
      const times: number[] = [];
      let counts = '';
      for (let i = 0; i < runs + 1; i++) {
        const { engine, sidecar } = await inProcessSidecar(sandbox, secret);
        const requests = sandbox.requestCount;
        const handshakes = sandbox.connectionCount;
        const started = performance.now();
        const r = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?${query}`);
        await r.body.json();
        if (i > 0) times.push(performance.now() - started);
        counts = `${sandbox.requestCount - requests} token requests (${legs} legs), ${sandbox.connectionCount - handshakes} TLS handshake`;
        await sidecar.stop();
        await engine.close();
      }
      rows.push([`sidecar cold: one ${name} token, fresh engine`, ms(median(times)), ms(pct(times, 90)), '', counts]);
    }
  } finally {
    await sandbox.stop();
  }
}

/**
 * The Agents SDK's in-process MSAL provider against the sandbox. Its instance-token leg builds an MSAL client, which
 * asks login.microsoftonline.com's instance discovery about the authority first; this machine cannot reach it, so the
 * provider's network client answers that one request as Microsoft's service would for the sandbox's host. Every token
 * request still goes to the sandbox.
 */
function msalProvider(authority: string, tenantId: string, clientId: string, clientSecret: string): MsalTokenProvider {
  const host = new URL(authority).host;
  type Net = { sendGetRequestAsync(url: string, options: unknown): Promise<unknown> };
  const proto = MsalTokenProvider.prototype as unknown as { getSystemOptions(c: unknown): { networkClient: Net } };
  const original = proto.getSystemOptions;
  const provider = new MsalTokenProvider({ clientId, clientSecret, tenantId, authority } as never);
  (provider as unknown as typeof proto).getSystemOptions = function (c: unknown) {
    const system = original.call(this, c);
    const get = system.networkClient.sendGetRequestAsync.bind(system.networkClient);
    system.networkClient.sendGetRequestAsync = async (url, options) => {
      if (!url.startsWith('https://login.microsoftonline.com/common/discovery/instance?')) return get(url, options);
      const tenant = new URL(new URL(url).searchParams.get('authorization_endpoint')!).pathname.split('/')[1];
      return {
        status: 200,
        headers: {},
        body: {
          tenant_discovery_endpoint: `${authority}/${tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      };
    };
    return system;
  };
  return provider;
}

/** An agent user's token: SidecarAuthProvider → this sidecar → the tenant, against MsalTokenProvider → the tenant. */
async function agentUserTwoWays(rows: string[][], runs: number): Promise<void> {
  const { sandbox, secret } = await sandboxWith50Agents();
  const info = sandbox.info;
  const blueprint = info.blueprints[0]!.clientId;
  const agent = info.blueprints[0]!.agents[0]!.clientId;
  const user = sandbox.directory.tenants[0]!.users.find((u) => u.identityParentId === agent)!;
  const { engine, sidecar } = await inProcessSidecar(sandbox, secret);
  const viaSidecar = () =>
    new SidecarAuthProvider({
      authType: 'EntraAuthSideCar',
      clientId: blueprint,
      tenantId: info.tenantId,
      sidecarBaseUrl: sidecar.url,
    } as never);
  const viaMsal = () => msalProvider(info.authority, info.tenantId, blueprint, secret);
  const msalCaches = MsalTokenProvider as unknown as {
    _agenticTokenCache: { clear(): void };
    _confidentialClients: Map<unknown, unknown>;
  };
  type Way = { name: string; make: () => SidecarAuthProvider | MsalTokenProvider; reset: () => void };
  const ways: Way[] = [
    { name: 'SidecarAuthProvider → this sidecar → tenant', make: viaSidecar, reset: () => engine.clearCache() },
    {
      name: 'MsalTokenProvider (in-process MSAL) → tenant',
      make: viaMsal,
      reset: () => {
        msalCaches._agenticTokenCache.clear();
        msalCaches._confidentialClients.clear();
      },
    },
  ];
  // The object id: MsalTokenProvider sends it as user_id (SidecarAuthProvider turns a GUID into AgentUserId).
  const get = (p: SidecarAuthProvider | MsalTokenProvider) =>
    p.getAgenticUserToken(info.tenantId, agent, user.id, [GRAPH]);
  const coldTimes = ways.map(() => [] as number[]);
  const warmTimes = ways.map(() => [] as number[]);
  const hopTimes: number[] = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      for (const [w, way] of ways.entries()) {
        way.reset();
        const provider = way.make();
        let started = performance.now();
        await get(provider);
        if (i >= 2) coldTimes[w]!.push(performance.now() - started);
        started = performance.now();
        await get(provider);
        if (i >= 2) warmTimes[w]!.push(performance.now() - started);
        if (w === 0) {
          // A new client (its own cache empty), the sidecar's warm: the loopback hop itself.
          started = performance.now();
          await get(way.make());
          if (i >= 2) hopTimes.push(performance.now() - started);
        }
      }
    }
  } finally {
    await sidecar.stop();
    await engine.close();
    await sandbox.stop();
  }
  for (const [w, way] of ways.entries()) {
    const ratio = (xs: number[][]) => `${(median(xs[0]!) / median(xs[1]!)).toFixed(2)}× MsalTokenProvider`;
    rows.push([
      `agent user token, cold: ${way.name}`,
      ms(median(coldTimes[w]!)),
      ms(pct(coldTimes[w]!, 90)),
      w === 0 ? ratio(coldTimes) : '',
      '3 legs',
    ]);
    rows.push([
      `agent user token, warm (the client's cache): ${way.name}`,
      median(warmTimes[w]!).toFixed(3),
      pct(warmTimes[w]!, 90).toFixed(3),
      w === 0 ? ratio(warmTimes) : '',
      'no request',
    ]);
  }
  rows.push([
    "agent user token, warm at the sidecar (a new SidecarAuthProvider: one loopback request, the sidecar's cache)",
    ms(median(hopTimes)),
    ms(pct(hopTimes, 90)),
    `${(median(hopTimes) / median(warmTimes[1]!)).toFixed(0)}× MsalTokenProvider warm`,
    '1 loopback request',
  ]);
}

export async function sidecarRows(rows: string[][], quick: boolean): Promise<void> {
  const runs = quick ? 5 : 30;
  await warm(rows, quick);
  await cold(rows, runs);
  await agentUserTwoWays(rows, runs);
}
