// The MCP server (issue 16), rows for npm run bench: `entra-agent-tokens mcp` spawned and driven by the MCP SDK's
// client over stdio, against the sandbox on loopback. Figures only, never asserted:
//  - spawn → initialized → tools listed (Node start, the mcp chunk with the SDK and zod);
//  - get_agent_token, first (two legs) and again (the server's engine cache);
//  - call_api with the cached token (the API call and its explanation).
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
  const times = { start: [] as number[], first: [] as number[], again: [] as number[], call: [] as number[] };
  try {
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const started = performance.now();
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [
          join(root, 'dist', 'cli.js'),
          'mcp',
          '--authority',
          sandbox.authority,
          '--tenant',
          file.tenants[0]!.id,
          '--blueprint',
          bp.clientId,
          '--client-secret-env',
          'S',
        ],
        env: { PATH: process.env.PATH ?? '', S: 'bench-secret' },
        stderr: 'ignore',
      });
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(transport);
      await client.listTools();
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
  }
  const row = (name: string, xs: number[], note: string) =>
    rows.push([name, ms(median(xs)), ms(pct(xs, 90)), '', note]);
  row('mcp: spawn → initialize → tools/list', times.start, 'Node + dist/mcp.js (the SDK, zod)');
  row('mcp: get_agent_token, first', times.first, '2 legs');
  row('mcp: get_agent_token, again', times.again, '0 (engine cache)');
  row('mcp: call_api (cached token)', times.call, '1 API request');
}
