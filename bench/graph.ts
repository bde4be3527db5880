// Microsoft Graph as the blueprint (issue 15), rows for npm run bench: the sandbox over HTTPS on loopback with 1,000
// agent identities under its blueprint. Figures only, never asserted.
//  - in process: core/graphClient lists them all (10 pages of 100), on how many TLS connections;
//  - whole process: `entra-agent-tokens agents list --json` (the blueprint's token, then the 10 pages).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentTokenEngine } from '../src/core/engine/agentTokens';
import { clientSecret } from '../src/core/credentials/credentials';
import { GraphClient } from '../src/core/graph/graphClient';
import { defaultDirectoryFile, type AgentFile } from '../src/sandbox/directory';
import { SandboxTenant } from '../src/sandbox/server';
import { median, ms, pct } from './stats';

const root = join(__dirname, '..');
const tls = {
  cert: readFileSync(join(root, 'test/fixtures/tls/server.pem')),
  key: readFileSync(join(root, 'test/fixtures/tls/server-key.pem')),
};

export async function graphRows(rows: string[][], quick: boolean): Promise<void> {
  const file = defaultDirectoryFile();
  const bp = file.tenants[0]!.blueprints[0]!;
  bp.agents = Array.from({ length: 999 }, (_, i): AgentFile => ({
    clientId: `5c5c5c5c-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    displayName: `Agent ${i}`,
  })).concat(bp.agents.slice(0, 1)); // the first (its agent user's parent) kept: 1,000 in all
  bp.clientSecrets = ['bench-secret'];
  const sandbox = await SandboxTenant.start({ tls, directory: file });
  const tenant = file.tenants[0]!.id;
  const filter = `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${bp.clientId}'`)}&$select=id,appId,displayName`;
  try {
    const runs = quick ? 5 : 20;
    const times: number[] = [];
    let connections = 0;
    let count = 0;
    for (let i = 0; i < runs + 1; i++) {
      const engine = new AgentTokenEngine();
      const graph = new GraphClient({
        endpoint: `${sandbox.authority}/graph`,
        appOnly: true,
        token: async (signal) =>
          (
            await engine.getAppToken(
              {
                authority: sandbox.authority,
                tenant,
                blueprintId: bp.clientId,
                scope: 'https://graph.microsoft.com/.default',
                credential: clientSecret('bench-secret'),
              },
              signal ? { signal } : {},
            )
          ).accessToken,
      });
      const before = sandbox.connectionCount;
      const started = performance.now();
      count = (await graph.list(filter)).length;
      if (i > 0) times.push(performance.now() - started);
      connections = sandbox.connectionCount - before;
      await graph.close();
      await engine.close();
    }
    rows.push([
      `graph: list ${count} agent identities, in process (token + 10 pages)`,
      ms(median(times)),
      ms(pct(times, 90)),
      '',
      `11 requests, ${connections} TLS connection(s) to the sandbox`,
    ]);
    const cli = join(root, 'dist', 'cli.js');
    const args = [
      cli,
      'agents',
      'list',
      '--authority',
      sandbox.authority,
      '--tenant',
      tenant,
      '--blueprint',
      bp.clientId,
      '--client-secret-env',
      'S',
      '--json',
    ];
    const procTimes: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10) + 1; i++) {
      const started = performance.now();
      // Asynchronously: the sandbox answers from this process's event loop.
      await promisify(execFile)(process.execPath, args, { env: { ...process.env, S: 'bench-secret' } });
      if (i > 0) procTimes.push(performance.now() - started);
    }
    rows.push([
      'graph: `agents list --json`, 1,000 agents (whole process)',
      ms(median(procTimes)),
      ms(pct(procTimes, 90)),
      '',
      '11 requests',
    ]);
  } finally {
    await sandbox.stop();
  }
}
