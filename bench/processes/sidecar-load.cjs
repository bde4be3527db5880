// An agent process under load: N requests to the sidecar for 50 agents, C at a time, on C kept-alive connections.
// Prints {latencies summary, requests per second} as one JSON line. Usage: node sidecar-load.cjs URL N C AGENT...
const { Pool } = require('undici');

const [url, n, c, ...agents] = process.argv.slice(2);
const total = Number(n);
const concurrency = Number(c);
const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
const paths = agents.map(
  (a) => `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${a}&optionsOverride.RequestAppToken=true`,
);
const latencies = new Float64Array(total);

async function ask(i) {
  const r = await pool.request({ path: paths[i % paths.length], method: 'GET' });
  const body = await r.body.text();
  if (r.statusCode !== 200 || !body.startsWith('{"authorizationHeader":"Bearer '))
    throw new Error(`HTTP ${r.statusCode}`);
}

(async () => {
  for (let i = 0; i < 500; i++) await ask(i); // JIT and connections warm
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      await ask(i);
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(total - 1, Math.floor(p * total))];
  process.stdout.write(`${JSON.stringify({ p50: at(0.5), p99: at(0.99), rps: total / seconds })}\n`);
})().catch((e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
