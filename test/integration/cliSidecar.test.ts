import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { SidecarAuthProvider } from '@microsoft/agents-hosting';
import { decodeToken } from '../../src/core/jwt';
import { cli, cliPath, cliSuiteSandbox } from '../cliRunner';
import { AGENT, AGENT_USER_UPN, BLUEPRINT, SANDBOX_TENANT, SECRET } from '../helpers';

describe('CLI: entra-agent-tokens sidecar', () => {
  const sandbox = cliSuiteSandbox();

  it('serves the sidecar API to the real client with the secret only in its own environment, and stops on SIGINT', async function () {
    this.timeout(30_000);
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'sidecar',
        '--authority',
        sandbox().authority,
        '--tenant',
        SANDBOX_TENANT,
        '--blueprint',
        BLUEPRINT,
        '--client-secret-env',
        'BLUEPRINT_SECRET',
        '--port',
        '0',
        '--api',
        'weather=api://sandbox-weather/.default',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', BLUEPRINT_SECRET: SECRET } },
    );
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    const first = new Promise<string>((resolve) => lines.once('line', resolve));
    const summary = JSON.parse(await first) as { url: string; apis: { name: string }[] };
    lines.on('line', (l) => seen.push(l));
    try {
      assert.match(summary.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(summary.apis.map((a) => a.name).sort(), ['agenticblueprint', 'default', 'graph', 'weather']);
      const provider = new SidecarAuthProvider({
        authType: 'EntraAuthSideCar',
        clientId: BLUEPRINT,
        tenantId: SANDBOX_TENANT,
        sidecarBaseUrl: summary.url,
        scopes: ['api://sandbox-weather/.default'],
      } as never);
      const agentToken = decodeToken(await provider.getAgenticInstanceToken(SANDBOX_TENANT, AGENT));
      assert.deepEqual(agentToken.claims.roles, ['Forecast.Read']);
      const userToken = decodeToken(
        await provider.getAgenticUserToken(SANDBOX_TENANT, AGENT, AGENT_USER_UPN, [
          'https://graph.microsoft.com/.default',
        ]),
      );
      assert.ok(String(userToken.claims.xms_sub_fct).split(' ').includes('13'));
      // One JSON line per request, never a token or the secret.
      await new Promise((r) => setTimeout(r, 100));
      const records = seen.map((l) => JSON.parse(l) as { route: string; status: number; agentId?: string });
      assert.ok(
        records.some((r) => r.agentId === AGENT && r.status === 200),
        seen.join('\n'),
      );
      assert.ok(!seen.join('\n').includes('eyJ') && !seen.join('\n').includes(SECRET));
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
  });

  it('refuses a bad configuration with exit 2, naming the flag', async () => {
    const base = ['sidecar', '--authority', sandbox().authority, '--tenant', SANDBOX_TENANT, '--blueprint', BLUEPRINT];
    for (const [args, pattern] of [
      [[...base, '--client-secret-env', 'S', '--api', 'nope'], /--api takes NAME=SCOPE/],
      [[...base, '--client-secret-env', 'S', '--agent', AGENT], /--agent does not go with "sidecar"/],
      [[...base, '--client-secret', 'x'], /--client-secret is not accepted/],
      [
        [
          'sidecar',
          '--tenant',
          SANDBOX_TENANT,
          '--blueprint',
          BLUEPRINT,
          '--authority',
          'https://evil.example',
          '--client-secret-env',
          'S',
        ],
        /not an Entra sign-in host/,
      ],
    ] as const) {
      const r = await cli([...args], { S: SECRET });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });
});
