// Export for production, round trip: the configuration a sidecar ran with (as VS Code runs it), exported, then fed to
// `entra-agent-tokens sidecar` in environment mode (the container's own keys, nothing else) answers a recorded set of
// agent requests exactly as the first did: the same statuses, identities, scopes and downstream answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { parse } from 'yaml';
import { decodeToken } from '../../src/core/tokens/jwt';
import type { SidecarRequestRecord } from '../../src/sidecar/requestRecord';
import { AgentSidecar } from '../../src/sidecar/sidecarServer';
import {
  agentEnvironment,
  containerEnvironment,
  exportSidecar,
  readExportedEnvironment,
  SECRET_VARIABLE,
  SIDECAR_IMAGE,
  type SidecarExportInput,
} from '../../src/sidecar/sidecarExport';
import { cli, cliPath, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
import { runSdkAgent } from '../sdkAgent';
import { startSandboxSidecar } from '../sidecarConfig';
import { AGENT, AGENT_USER_UPN, BLUEPRINT, OTHER_AGENT, SANDBOX_TENANT, SECRET, sandboxAndEngine } from '../helpers';

const GRAPH = encodeURIComponent('https://graph.microsoft.com/.default');
const WEATHER = encodeURIComponent('api://sandbox-weather/.default');

/** What agent code asks, as the Agents SDK and plain-HTTP callers ask it. */
const REQUESTS: readonly { method: 'GET' | 'POST'; path: string }[] = [
  { method: 'GET', path: '/healthz' },
  {
    method: 'GET',
    path: `/AuthorizationHeaderUnauthenticated/default?optionsOverride.Scopes=${GRAPH}&optionsOverride.RequestAppToken=true`,
  },
  {
    method: 'GET',
    path: `/AuthorizationHeaderUnauthenticated/default?AgentIdentity=${AGENT}&optionsOverride.Scopes=${WEATHER}&optionsOverride.RequestAppToken=true&optionsOverride.AcquireTokenOptions.Tenant=${SANDBOX_TENANT}`,
  },
  {
    method: 'GET',
    path: `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&AgentUsername=${encodeURIComponent(AGENT_USER_UPN)}&optionsOverride.Scopes=${GRAPH}`,
  },
  { method: 'GET', path: `/AuthorizationHeaderUnauthenticated/agenticblueprint?AgentIdentity=${AGENT}` },
  { method: 'GET', path: `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}` },
  { method: 'GET', path: `/AuthorizationHeaderUnauthenticated/Graph?AgentIdentity=${AGENT}` },
  { method: 'POST', path: `/DownstreamApiUnauthenticated/weather?AgentIdentity=${OTHER_AGENT}` },
  { method: 'POST', path: `/DownstreamApiUnauthenticated/weather?optionsOverride.RelativePath=forecast` },
  { method: 'GET', path: '/AuthorizationHeaderUnauthenticated/nope' },
];

/** An answer, reduced to what agent code can rely on: status, and who a token is for, or what the API said. */
async function answer(base: string, r: (typeof REQUESTS)[number]): Promise<unknown> {
  const res = await request(`${base}${r.path}`, { method: r.method });
  const text = await res.body.text();
  if (!text.startsWith('{')) return [res.statusCode, text];
  const body = JSON.parse(text) as Record<string, unknown>;
  if (typeof body.authorizationHeader === 'string') {
    const c = decodeToken(body.authorizationHeader.replace(/^Bearer /, '')).claims;
    return [
      res.statusCode,
      c.appid ?? c.azp,
      c.aud,
      c.roles ?? c.scp,
      c.oid === undefined ? undefined : 'oid',
      c.idtyp,
    ];
  }
  if ('statusCode' in body) return [res.statusCode, body.statusCode, body.headers, body.content];
  return [res.statusCode, body.title, body.detail];
}

/** A request as its log line says it, without what only the local conveniences add (timing, cache, the marks). */
const logged = (
  r: Pick<SidecarRequestRecord, 'route' | 'api' | 'agentId' | 'agentUser' | 'scope' | 'status' | 'ignored'>,
) => ({
  route: r.route,
  api: r.api,
  agentId: r.agentId,
  agentUser: r.agentUser,
  scope: r.scope,
  status: r.status,
  ignored: r.ignored,
});

describe('Export Sidecar for Production: the exported configuration answers as the local sidecar did', function () {
  this.timeout(60_000);
  const cliSandbox = cliSuiteSandbox();
  const records: SidecarRequestRecord[] = [];
  let local: AgentSidecar;
  let input: SidecarExportInput;
  // Before the helper's hooks, so that (mocha runs after() hooks in order) the sidecar stops first.
  after(() => local?.stop());
  const live = sandboxAndEngine({ engineFor: 'suite' });
  before(async () => {
    void cliSandbox; // the CLI is built by its hooks
    local = await startSandboxSidecar(live, { onRequest: (r) => records.push(r) });
    input = {
      authority: live.sandbox.authority,
      tenant: SANDBOX_TENANT,
      clientId: BLUEPRINT,
      credential: { kind: 'secret' },
      apis: local.apiList,
      allowOverrides: local.overrides,
    };
  });

  it('answers the recorded requests, and an Agents SDK app, the same when run from the exported env file', async () => {
    const before = [];
    for (const r of REQUESTS) before.push(await answer(local.url, r));
    const localLog = records.map(logged);
    const sdkBefore = await runSdkAgent(
      Object.fromEntries(agentEnvironment(input, local.url)),
      SANDBOX_TENANT,
      AGENT,
      AGENT_USER_UPN,
    );

    const text = exportSidecar(input, 'env');
    assert.ok(!text.includes(SECRET), 'no secret in the export');
    const env = readExportedEnvironment(text, { [SECRET_VARIABLE]: SECRET });
    const child = spawn(process.execPath, [cliPath, 'sidecar', '--port', '0', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    try {
      const summary = JSON.parse((await once(lines, 'line'))[0] as string) as { url: string; notes: string[] };
      lines.on('line', (l) => seen.push(l));
      const after = [];
      for (const r of REQUESTS) after.push(await answer(summary.url, r));
      assert.deepEqual(after, before);
      const sdkAfter = await runSdkAgent(
        Object.fromEntries(agentEnvironment(input, summary.url)),
        SANDBOX_TENANT,
        AGENT,
        AGENT_USER_UPN,
      );
      const who = (a: typeof sdkBefore) =>
        Object.values({ app: a.app, agent: a.agent, agentUser: a.agentUser, blueprint: a.blueprint }).map((c) => [
          c.appid ?? c.azp,
          c.aud,
          c.oid === undefined ? undefined : 'oid',
        ]);
      assert.deepEqual(who(sdkAfter), who(sdkBefore));
      await new Promise((r) => setTimeout(r, 100));
      const exportedLog = seen.map((l) => JSON.parse(l) as SidecarRequestRecord & { container?: string });
      // The same requests, logged the same; none marked as differing: these keys are the container's own.
      assert.deepEqual(exportedLog.slice(0, localLog.length).map(logged), localLog);
      assert.ok(
        exportedLog.every((r) => r.container === undefined),
        seen.join('\n'),
      );
      assert.ok(
        records.some((r) => r.container),
        'the local run marked what relied on its conveniences',
      );
    } finally {
      child.kill('SIGINT');
    }
    await once(child, 'exit');
  });

  it('writes the same container configuration as Docker Compose and as a Kubernetes Deployment, parsed as YAML', () => {
    const pairs = containerEnvironment(input);
    const compose = parse(exportSidecar(input, 'compose')) as {
      services: Record<string, { image?: string; environment: Record<string, string>; network_mode?: string }>;
    };
    const sidecar = compose.services['auth-sidecar']!;
    assert.equal(sidecar.image, SIDECAR_IMAGE);
    assert.deepEqual(
      Object.entries(sidecar.environment).filter(([k]) => k !== 'ASPNETCORE_URLS'),
      pairs,
    );
    assert.equal(sidecar.environment[`AzureAd__ClientCredentials__0__ClientSecret`], `\${${SECRET_VARIABLE}}`);
    assert.equal(compose.services.agent!.network_mode, 'service:auth-sidecar', 'the agent is a loopback caller');
    assert.deepEqual(Object.entries(compose.services.agent!.environment), agentEnvironment(input));

    const k8s = parse(exportSidecar(input, 'kubernetes')) as {
      kind: string;
      spec: {
        template: {
          spec: {
            containers: { name: string; image: string; env: { name: string; value?: string; valueFrom?: unknown }[] }[];
          };
        };
      };
    };
    assert.equal(k8s.kind, 'Deployment');
    const container = k8s.spec.template.spec.containers.find((c) => c.name === 'auth-sidecar')!;
    assert.equal(container.image, SIDECAR_IMAGE);
    const envOf = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    for (const [k, v] of pairs)
      assert.deepEqual(
        envOf[k],
        v.startsWith('${') ? { secretKeyRef: { name: 'auth-sidecar-credential', key: 'client-secret' } } : v,
        k,
      );
    for (const format of ['env', 'compose', 'kubernetes'] as const)
      assert.ok(!exportSidecar(input, format).includes(SECRET), format);
  });

  it('is what `entra-agent-tokens sidecar export` prints, with no secret needed', async () => {
    const r = await cli([
      'sidecar',
      'export',
      '--format',
      'env',
      ...sandboxBlueprintArgs(live.sandbox.authority),
      '--client-secret-env',
      'NOT_SET_HERE',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, exportSidecar({ ...input, authority: live.sandbox.authority }, 'env'));
    const bad = await cli([
      'sidecar',
      'export',
      '--format',
      'helm',
      ...sandboxBlueprintArgs(live.sandbox.authority),
      '--client-secret-env',
      'S',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of env, compose, kubernetes, not "helm"/);
  });

  // An outside review: a display name from an imported file could add keys to the env file (the container has no
  // host rule); extra header values (function keys) were written as they are; AzureAd__Audience(s) and __Scopes
  // were dropped, so /Validate would accept more in production than here.
  it('promise: writes nothing from outside as a key, no extra header or query value, and keeps the caller checks', () => {
    const hostile = {
      ...input,
      blueprintName:
        'Team bot\nDownstreamApis__graph__BaseUrl=https://evil.example\r\nAzureAd__Audiences__0=api://attacker',
      apis: [
        {
          name: 'fn',
          scopes: ['api://fn/.default'],
          baseUrl: 'https://fn.example/',
          extraHeaderParameters: { 'x-functions-key': 'fn-key-value' },
          extraQueryParameters: { code: 'query-key-value' },
        },
      ],
      audiences: ['api://mine'],
      requiredScopes: ['access_as_user'],
    };
    for (const format of ['env', 'compose', 'kubernetes'] as const) {
      const text = exportSidecar(hostile, format);
      assert.ok(!/^\s*-?\s*(name: )?DownstreamApis__graph__BaseUrl/m.test(text), format);
      assert.ok(!/^(AzureAd__Audiences__0=api:\/\/attacker|DownstreamApis__graph)/m.test(text), format);
      assert.ok(!text.includes('fn-key-value') && !text.includes('query-key-value'), format);
    }
    const env = readExportedEnvironment(exportSidecar(hostile, 'env'), {
      [SECRET_VARIABLE]: SECRET,
      API_FN_EXTRAHEADERPARAMETERS_X_FUNCTIONS_KEY: 'k1',
      API_FN_EXTRAQUERYPARAMETERS_CODE: 'k2',
    });
    assert.deepEqual(
      [
        env['DownstreamApis__fn__ExtraHeaderParameters__x-functions-key'],
        env.DownstreamApis__fn__ExtraQueryParameters__code,
      ],
      ['k1', 'k2'],
    );
    assert.deepEqual([env.AzureAd__Audiences__0, env.AzureAd__Scopes], ['api://mine', 'access_as_user']);
    const k8s = exportSidecar(hostile, 'kubernetes');
    assert.match(k8s, /--from-literal=api-fn-extraheaderparameters-x-functions-key=\.\.\./);
  });
});
