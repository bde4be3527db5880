// The MCP server (issues 16, 31), rows for npm run bench: `entra-agent-tokens mcp` spawned and driven by the MCP SDK's
// client over stdio, against the sandbox on loopback. Figures only, never asserted:
//  - spawn → initialized → tools listed, beside `node -e 0` (spawn → exit) and the budget 1.5 × that + 50 ms: with the
//    front (src/cli/mcp/fastStart.ts, answering from dist/mcp-listings.json), and without it (a copy of dist/ without
//    the listings: the SDK, zod and the engine load before initialize is answered), interleaved;
//  - get_agent_token, first (two legs) and again (the server's engine cache);
//  - call_api with the cached token (the API call and its explanation).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { defaultDirectoryFile } from '../src/sandbox/directory';
import { SandboxTenant } from '../src/sandbox/server';
import { median, ms, pct } from './stats';

const root = join(__dirname, '..');

export async function mcpRows(rows: string[][], quick: boolean): Promise<void> {
  const file = defaultDirectoryFile();
  const bp = file.tenants[0]!.blueprints[0]!;
  bp.clientSecrets = ['bench-secret'];
  const agent = bp.agents[0]!.clientId;
  const sandbox = await SandboxTenant.start({ directory: file });
  // The same bundles without the front's listings: the server as it started before issue 31.
  const bare = mkdtempSync(join(tmpdir(), 'eat-mcp-bench-'));
  cpSync(join(root, 'dist'), join(bare, 'dist'), { recursive: true, filter: (f) => !f.endsWith('mcp-listings.json') });
  const times = {
    node: [] as number[],
    start: [] as number[],
    bare: [] as number[],
    first: [] as number[],
    again: [] as number[],
    call: [] as number[],
  };
  const args = [
    'mcp',
    '--authority',
    sandbox.authority,
    '--tenant',
    file.tenants[0]!.id,
    '--blueprint',
    bp.clientId,
    '--client-secret-env',
    'S',
  ];
  const connect = async (cli: string) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, ...args],
      env: { PATH: process.env.PATH ?? '', S: 'bench-secret' },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(transport);
    await client.listTools();
    return client;
  };
  try {
    for (let i = 0; i < (quick ? 3 : 15); i++) {
      let started = performance.now();
      // The environment the server gets (PATH only): NODE_EXTRA_CA_CERTS, which npm run bench sets, costs ~35 ms a start.
      await new Promise((resolve) =>
        spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } }).on(
          'exit',
          resolve,
        ),
      );
      times.node.push(performance.now() - started);
      started = performance.now();
      await (await connect(join(bare, 'dist', 'cli.js'))).close();
      times.bare.push(performance.now() - started);
      started = performance.now();
      const client = await connect(join(root, 'dist', 'cli.js'));
      times.start.push(performance.now() - started);
      const get = { name: 'get_agent_token', arguments: { agent, scope: 'api://sandbox-weather/.default' } };
      let t = performance.now();
      await client.callTool(get);
      times.first.push(performance.now() - t);
      t = performance.now();
      await client.callTool(get);
      times.again.push(performance.now() - t);
      t = performance.now();
      await client.callTool({
        name: 'call_api',
        arguments: { agent, url: `${sandbox.authority}/apis/weather/forecast` },
      });
      times.call.push(performance.now() - t);
      await client.close();
    }
  } finally {
    await sandbox.stop();
    rmSync(bare, { recursive: true, force: true });
  }
  const row = (name: string, xs: number[], note: string) =>
    rows.push([name, ms(median(xs)), ms(pct(xs, 90)), '', note]);
  row('node -e 0: spawn → exit', times.node, "the machine's floor");
  row(
    'mcp: spawn → initialize → tools/list',
    times.start,
    `the front (dist/cli.js + mcp-listings.json); budget 1.5 × node -e 0 + 50 ms = ${ms(1.5 * median(times.node) + 50)}`,
  );
  row('mcp: the same without the front', times.bare, 'dist/mcp.js (the SDK, zod) and the engine load first');
  row('mcp: get_agent_token, first', times.first, '2 legs (the SDK loaded after tools/list)');
  row('mcp: get_agent_token, again', times.again, '0 (engine cache)');
  row('mcp: call_api (cached token)', times.call, '1 API request');
}
