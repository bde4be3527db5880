import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { SidecarAuthProvider } from '@microsoft/agents-hosting';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { decodeToken } from '../../src/core/tokens/jwt';
import { sidecarSettingsText } from '../../src/extension/sidecar/sidecarSettings';
import { runSdkAgent, sidecarSettingsEnv } from '../sdkAgent';
import { cli, cliPath, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
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
        ...sandboxBlueprintArgs(sandbox().authority),
        '--client-secret-env',
        'BLUEPRINT_SECRET',
        '--port',
        '0',
        '--api',
        'weather=api://sandbox-weather/.default',
        '--allow-overrides',
        'CallDownstreamApiUnauthenticated',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', BLUEPRINT_SECRET: SECRET } },
    );
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    const first = new Promise<string>((resolve) => lines.once('line', resolve));
    const summary = JSON.parse(await first) as {
      url: string;
      apis: { name: string }[];
      allowOverrides: Record<string, boolean>;
    };
    lines.on('line', (l) => seen.push(l));
    try {
      assert.match(summary.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(summary.apis.map((a) => a.name).sort(), [
        'agenticblueprint',
        'default',
        'graph',
        'legacy',
        'partners',
        'weather',
      ]);
      assert.deepEqual(summary.allowOverrides, {
        GetAuthorizationHeader: true,
        GetAuthorizationHeaderUnauthenticated: true,
        CallDownstreamApi: true,
        CallDownstreamApiUnauthenticated: true,
      });
      // The sandbox's own APIs need no configuration: DownstreamApi reaches them (partners answers an agent 403, as
      // it is written to); an API that is not configured is refused as the container refuses it, and the request
      // log says how to add one.
      const partners = await fetch(`${summary.url}/DownstreamApiUnauthenticated/partners?AgentIdentity=${AGENT}`, {
        method: 'POST',
      });
      assert.equal(partners.status, 200);
      assert.equal(((await partners.json()) as { statusCode: number }).statusCode, 403);
      const unknown = await fetch(`${summary.url}/AuthorizationHeaderUnauthenticated/jobs?AgentIdentity=${AGENT}`);
      assert.equal(unknown.status, 400);
      assert.match(((await unknown.json()) as { detail: string }).detail, /^No scopes found for the API 'jobs'/);
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
      // An Agents SDK app whose environment is only SIDECAR_URL and its connection: all four kinds of token.
      const agentApp = await runSdkAgent(
        sidecarSettingsEnv(
          sidecarSettingsText({ url: summary.url, blueprintName: 'B', blueprintId: BLUEPRINT, tenant: SANDBOX_TENANT }),
        ),
        SANDBOX_TENANT,
        AGENT,
        AGENT_USER_UPN,
      );
      assert.deepEqual(
        [agentApp.app.appid, agentApp.agent.appid, agentApp.agentUser.appid, agentApp.blueprint.aud],
        [BLUEPRINT, AGENT, AGENT, TOKEN_EXCHANGE_APP_ID],
      );
      // One JSON line per request, never a token or the secret.
      await new Promise((r) => setTimeout(r, 100));
      const records = seen.map((l) => JSON.parse(l) as { route: string; status: number; agentId?: string });
      assert.ok(
        records.some((r) => r.agentId === AGENT && r.status === 200),
        seen.join('\n'),
      );
      assert.ok(!seen.join('\n').includes('eyJ') && !seen.join('\n').includes(SECRET));
      const refused = records.find((r) => r.status === 400) as { problem?: { detail: string } } | undefined;
      assert.match(refused?.problem?.detail ?? '', /add DownstreamApis__jobs__Scopes__0/);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
  });

  it('refuses a bad configuration with exit 2, naming the flag', async () => {
    const base = ['sidecar', ...sandboxBlueprintArgs(sandbox().authority)];
    for (const [args, pattern] of [
      [[...base, '--client-secret-env', 'S', '--api', 'nope'], /--api takes NAME=SCOPE/],
      [[...base, '--client-secret-env', 'S', '--agent', AGENT], /--agent does not go with "sidecar"/],
      [[...base, '--client-secret-env', 'S', '--api-base', 'weather=not a url'], /--api-base takes NAME=URL/],
      [[...base, '--client-secret-env', 'S', '--api-base', 'nothing=https://x.example'], /no API of that name/],
      [[...base, '--client-secret', 'x'], /--client-secret is not accepted/],
      [
        ['sidecar', ...sandboxBlueprintArgs('https://evil.example'), '--client-secret-env', 'S'],
        /not an Entra sign-in host/,
      ],
    ] as const) {
      const r = await cli([...args], { S: SECRET });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });

  // Keys in any case, `__` or `:` (ASP.NET configuration); query names in any case (Models/*Request.cs, bound
  // from the query collection, which ignores case); the container's defaults where a key is absent.
  it("reads the real container's configuration keys when no flags are given (an existing Compose .env works)", async function () {
    this.timeout(30_000);
    const env = {
      PATH: process.env.PATH ?? '',
      AZUREAD__INSTANCE: `${sandbox().authority}/`,
      'AzureAd:TenantId': SANDBOX_TENANT,
      AzureAd__ClientId: BLUEPRINT,
      azuread__clientcredentials__0__sourcetype: 'ClientSecret',
      AzureAd__ClientCredentials__0__ClientSecret: SECRET,
      DownstreamApis__weather__Scopes__0: 'api://sandbox-weather/.default',
      DOWNSTREAMAPIS__weather__REQUESTAPPTOKEN: 'True',
      'sidecar:allowOverrides:GetAuthorizationHeaderUnauthenticated': 'true',
    };
    const child = spawn(process.execPath, [cliPath, 'sidecar', '--port', '0', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const summary = JSON.parse((await once(lines, 'line'))[0] as string) as {
        url: string;
        blueprint: string;
        apis: { name: string; scopes: string[] }[];
      };
      assert.equal(summary.blueprint, BLUEPRINT);
      assert.deepEqual(
        summary.apis.map((a) => [a.name, a.scopes]),
        [['weather', ['api://sandbox-weather/.default']]],
        'only what the keys name: no built-in APIs',
      );
      const r = await fetch(`${summary.url}/AuthorizationHeaderUnauthenticated/weather?agentidentity=${AGENT}`);
      assert.equal(r.status, 200);
      const header = ((await r.json()) as { authorizationHeader: string }).authorizationHeader;
      const claims = decodeToken(header.replace(/^Bearer /, '')).claims;
      assert.deepEqual([claims.appid ?? claims.azp, claims.roles], [AGENT, ['Forecast.Read']], "the agent's own token");
      // Another route keeps the container's default: overrides off, the agent ignored, the blueprint's token.
      const down = await fetch(`${summary.url}/DownstreamApiUnauthenticated/weather?AgentIdentity=${AGENT}`, {
        method: 'POST',
      });
      assert.equal(down.status, 500, 'weather has no BaseUrl in these keys: the call itself fails, as there');
    } finally {
      child.kill('SIGINT');
    }
    await once(child, 'exit');
    // A missing key is named, exit 2.
    const { 'AzureAd:TenantId': _, ...withoutTenant } = env;
    const r = await cli(['sidecar', '--port', '0'], withoutTenant);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /AzureAd__TenantId is not set/);
  });
});
