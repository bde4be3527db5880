import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { SidecarAuthProvider } from '@microsoft/agents-hosting';
import { acquirerOf } from '../../src/core/engine/acquisition';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { decodeToken } from '../../src/core/tokens/jwt';
import { sidecarSettingsText } from '../../src/extension/sidecar/sidecarSettings';
import { AgentSidecar } from '../../src/sidecar/sidecarServer';
import { runSdkAgent, sidecarSettingsEnv } from '../sdkAgent';
import {
  AGENT,
  AGENT_USER_ID,
  AGENT_USER_UPN,
  BLUEPRINT,
  SANDBOX_TENANT,
  sandboxAndEngine,
  SECOND_AGENT,
  SECOND_BLUEPRINT,
  SECOND_TENANT,
  SECRET,
  JOBS_SCOPE,
  SANDBOX_PUBLIC_CLIENT_ID,
  SANDBOX_USER_PASSWORD,
  testDirectory,
  userToken,
} from '../helpers';

const GRAPH = 'https://graph.microsoft.com/.default';

describe('the local agent sidecar, driven by the real client (SidecarAuthProvider, @microsoft/agents-hosting)', () => {
  let sidecar: AgentSidecar;
  const provider = () =>
    new SidecarAuthProvider({
      authType: 'EntraAuthSideCar',
      clientId: BLUEPRINT,
      tenantId: SANDBOX_TENANT,
      sidecarBaseUrl: sidecar.url,
      scopes: [GRAPH],
    } as never);

  // Before the helper's hooks, so that (mocha runs after() hooks in order) the sidecar stops first, as it did.
  after(async () => {
    await sidecar.stop();
  });
  const live = sandboxAndEngine({ engine: { retryBaseDelayMs: 10 }, engineFor: 'suite' });
  before(async () => {
    sidecar = await AgentSidecar.start({
      acquire: acquirerOf(live.engine, {
        readSecret: async (kind) => (kind === 'clientSecret' ? SECRET : undefined),
        warn: () => {},
      }),
      port: 0,
      blueprint: {
        authority: live.sandbox.authority,
        tenant: SANDBOX_TENANT,
        clientId: BLUEPRINT,
        credential: { kind: 'secret' },
      },
    });
  });

  it('is healthy', async () => {
    assert.equal(await provider().isHealthy(), true);
  });

  it("gives the blueprint's own app token (getAccessToken)", async () => {
    const token = decodeToken(await provider().getAccessToken(GRAPH));
    assert.equal(token.claims.appid ?? token.claims.azp, BLUEPRINT);
    assert.equal(token.claims.aud, 'https://graph.microsoft.com');
  });

  it("gives an agent identity's token in two legs (getAgenticInstanceToken)", async () => {
    live.sandbox.clearRecords();
    const token = decodeToken(await provider().getAgenticInstanceToken(SANDBOX_TENANT, AGENT));
    assert.equal(token.claims.appid ?? token.claims.azp, AGENT);
    assert.equal(token.claims.xms_par_app_azp, BLUEPRINT);
    assert.deepEqual(
      live.sandbox.requests.map((r) => r.params.client_id),
      [BLUEPRINT, AGENT],
    );
  });

  it("gives an agent user's token, by UPN and by object id (getAgenticUserToken)", async () => {
    for (const user of [AGENT_USER_UPN, AGENT_USER_ID]) {
      const token = decodeToken(await provider().getAgenticUserToken(SANDBOX_TENANT, AGENT, user, [GRAPH]));
      assert.ok(String(token.claims.xms_sub_fct).split(' ').includes('13'), user);
      assert.equal(token.claims.oid, AGENT_USER_ID, user);
    }
  });

  it("gives the blueprint's exchange token for an agent (getAgenticApplicationToken: T1)", async () => {
    const token = decodeToken(await provider().getAgenticApplicationToken(SANDBOX_TENANT, AGENT));
    assert.equal(token.claims.aud, TOKEN_EXCHANGE_APP_ID);
    assert.ok(String(token.claims.sub).endsWith(`/${AGENT}`), String(token.claims.sub));
  });

  it("passes Entra's refusal on as 401 ProblemDetails, with the AADSTS code and the fix", async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    const error = await provider()
      .getAgenticInstanceToken(SANDBOX_TENANT, unknown)
      .then(
        () => assert.fail('an unknown agent got a token'),
        (e: unknown) => e as Error,
      );
    assert.match(error.message, /AADSTS/);
    // Over plain HTTP, the status itself: 401, with the code in the title.
    const r = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${unknown}`);
    const body = (await r.body.json()) as { title: string; status: number };
    assert.equal(r.statusCode, 401);
    assert.equal(body.status, 401);
    assert.match(body.title, /^Entra refused the request \(AADSTS700016\)$/);
  });

  it("is retried by the client when it fails once (the tenant's connection reset on every attempt: 502)", async () => {
    // Over plain HTTP first: every attempt of the engine reset, the sidecar answers 502 (not any 5xx).
    live.sandbox.injectFaults({ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' });
    const plain = await request(
      `${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?optionsOverride.AcquireTokenOptions.ForceRefresh=true`,
    );
    const problem = (await plain.body.json()) as { title: string };
    assert.equal(plain.statusCode, 502);
    assert.equal(problem.title, 'The tenant could not be reached');
    live.sandbox.injectFaults({ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' });
    const token = decodeToken(await provider().getAccessToken('api://sandbox-weather/.default'));
    assert.equal(token.claims.appid ?? token.claims.azp, BLUEPRINT);
  });

  it('serves all four kinds of token to an Agents SDK app configured only by "Copy Sidecar Settings"', async () => {
    const env = sidecarSettingsEnv(
      sidecarSettingsText({
        url: sidecar.url,
        blueprintName: 'Sandbox Blueprint',
        blueprintId: BLUEPRINT,
        tenant: SANDBOX_TENANT,
        agentId: AGENT,
      }),
    );
    const agentApp = await runSdkAgent(env, SANDBOX_TENANT, AGENT, AGENT_USER_UPN);
    assert.equal(agentApp.provider, 'SidecarAuthProvider', 'authType EntraAuthSideCar chose the sidecar provider');
    assert.equal(agentApp.app.appid ?? agentApp.app.azp, BLUEPRINT);
    assert.equal(agentApp.agent.appid ?? agentApp.agent.azp, AGENT);
    assert.equal(agentApp.agentUser.oid, AGENT_USER_ID);
    assert.equal(agentApp.blueprint.aud, TOKEN_EXCHANGE_APP_ID);
    assert.ok(!Object.values(env).some((v) => v.includes(SECRET)), 'no secret in its environment');
  });

  describe('over plain HTTP', () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      request(`${sidecar.url}${path}`, { headers }).then(async (r) => ({
        status: r.statusCode,
        type: String(r.headers['content-type']),
        body: (await r.body.json()) as Record<string, unknown>,
      }));

    it('answers the documented shape', async () => {
      const r = await get(`/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}`);
      assert.equal(r.status, 200);
      assert.match(String(r.body.authorizationHeader), /^Bearer eyJ/);
    });

    it('refuses bad input with 400 ProblemDetails, and foreign callers with 403', async () => {
      for (const [path, headers, status] of [
        ['/AuthorizationHeaderUnauthenticated/nope', {}, 400],
        ['/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=not-a-guid', {}, 400],
        [
          `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&AgentUsername=a@b.c&AgentUserId=${AGENT_USER_ID}`,
          {},
          400,
        ],
        ['/AuthorizationHeaderUnauthenticated/graph?AgentUsername=a@b.c', {}, 400],
        ['/AuthorizationHeaderUnauthenticated/graph', { host: 'evil.example:5178' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'https://evil.example' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'http://localhost:3000' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'http://127.0.0.1:1' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'null' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { 'sec-fetch-site': 'cross-site' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { 'sec-fetch-site': 'same-site' }, 403],
        ['/nowhere', {}, 404],
      ] as const) {
        const r = await get(path, headers);
        assert.equal(r.status, status, path);
        assert.match(r.type, /^application\/problem\+json/, path);
        assert.equal(r.body.status, status);
        assert.ok(typeof r.body.title === 'string' && typeof r.body.detail === 'string', path);
      }
      // A page's <img src="http://127.0.0.1:5178/…&ForceRefresh=true">: no Origin, but Sec-Fetch-Site. Nothing is asked of Entra.
      live.sandbox.clearRecords();
      const img = await get(
        `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&optionsOverride.AcquireTokenOptions.ForceRefresh=true`,
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
      );
      assert.equal(img.status, 403);
      assert.equal(live.sandbox.requests.length, 0, 'no credential was sent to the tenant');
    });

    it("validates the caller's token (/Validate) and runs on-behalf-of with it (/AuthorizationHeader)", async () => {
      const user = await userToken(live.sandbox.authority);
      const bearer = { authorization: `Bearer ${user}` };
      const valid = await get('/Validate', bearer);
      assert.equal(valid.status, 200);
      assert.equal(valid.body.protocol, 'Bearer');
      assert.equal((valid.body.claims as Record<string, unknown>).upn, 'ada@sandbox.onmicrosoft.com');
      const scopes = `optionsOverride.Scopes=${encodeURIComponent('https://graph.microsoft.com/User.Read')}`;
      const obo = await get(`/AuthorizationHeader/graph?AgentIdentity=${AGENT}&${scopes}`, bearer);
      assert.equal(obo.status, 200, JSON.stringify(obo.body));
      const token = decodeToken(String(obo.body.authorizationHeader).replace(/^Bearer /, ''));
      assert.equal(token.claims.idtyp, 'user');
      assert.equal(token.claims.scp, 'User.Read');
      // Refused: no token, a token for something else, a token whose signature was changed.
      const [h, p] = user.split('.');
      for (const [headers, what] of [
        [{}, 'no token'],
        [
          {
            authorization: `Bearer ${await userToken(live.sandbox.authority, 'https://graph.microsoft.com/User.Read')}`,
          },
          'another audience',
        ],
        [{ authorization: `Bearer ${h}.${p}.${'A'.repeat(342)}` }, 'a forged signature'],
      ] as const) {
        const r = await get('/Validate', headers);
        assert.equal(r.status, 401, what);
        assert.match(r.type, /^application\/problem\+json/, what);
      }
      assert.equal(
        (await get(`/AuthorizationHeader/graph?${scopes}`, bearer)).status,
        400,
        'the blueprint-only OBO is not served',
      );
    });

    it('answers from the cache, asks Entra again with ForceRefresh, and sends both legs to the Tenant asked for', async () => {
      const path = `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}`;
      assert.equal((await get(path)).status, 200);
      live.sandbox.clearRecords();
      assert.equal((await get(path)).status, 200);
      assert.equal(live.sandbox.requests.length, 0, 'the cache answered');
      assert.equal((await get(`${path}&optionsOverride.AcquireTokenOptions.ForceRefresh=true`)).status, 200);
      assert.deepEqual(
        live.sandbox.requests.map((r) => r.params.client_id),
        [BLUEPRINT, AGENT],
        'ForceRefresh: both legs again',
      );
      live.sandbox.clearRecords();
      const elsewhere = await get(`${path}&optionsOverride.AcquireTokenOptions.Tenant=${SECOND_TENANT}`);
      assert.equal(elsewhere.status, 401, 'the blueprint is not in that tenant: Entra refuses, and says why');
      assert.match(String(elsewhere.body.title), /AADSTS/);
      assert.deepEqual(
        live.sandbox.requests.map((r) => [r.tenant, r.params.client_id]),
        [[SECOND_TENANT, BLUEPRINT]],
        'leg 1 went there, and was refused',
      );
      // A blueprint that lives in the second tenant: with Tenant asked for, leg 1 and leg 2 both go there.
      live.sandbox.clearRecords();
      const second = await AgentSidecar.start({
        acquire: acquirerOf(live.engine, { readSecret: async () => SECRET, warn: () => {} }),
        port: 0,
        blueprint: {
          authority: live.sandbox.authority,
          tenant: SANDBOX_TENANT,
          clientId: SECOND_BLUEPRINT,
          credential: { kind: 'secret' },
        },
      });
      try {
        const r = await request(
          `${second.url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${SECOND_AGENT}&optionsOverride.AcquireTokenOptions.Tenant=${SECOND_TENANT}`,
        );
        assert.equal(r.statusCode, 200, await r.body.text());
        assert.deepEqual(
          live.sandbox.requests.map((q) => [
            q.tenant,
            q.params.client_id,
            q.params.fmi_path ?? q.params.client_assertion_type,
          ]),
          [
            [SECOND_TENANT, SECOND_BLUEPRINT, SECOND_AGENT],
            [SECOND_TENANT, SECOND_AGENT, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
          ],
          'leg 1 (the blueprint, fmi_path) and leg 2 (the agent, T1 as its assertion), both to the tenant asked for',
        );
      } finally {
        await second.stop();
      }
    });

    it('answers 100 concurrent requests for a scope not asked before with one exchange (single flight)', async () => {
      live.sandbox.clearRecords();
      const path = `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&optionsOverride.Scopes=${encodeURIComponent('api://sandbox-weather/.default')}`;
      const answers = await Promise.all(Array.from({ length: 100 }, () => get(path)));
      assert.ok(answers.every((a) => a.status === 200));
      // T1 is cached from the earlier tests: one leg-2 request for all hundred.
      assert.equal(live.sandbox.requests.length, 1);
    });

    /** A sidecar of the suite's blueprint and engine with one more API; the caller stops it. */
    const sidecarWith = (api: { name: string; scopes: string[]; baseUrl: string }) =>
      AgentSidecar.start({
        acquire: acquirerOf(live.engine, { readSecret: async () => SECRET, warn: () => {} }),
        port: 0,
        apis: [api],
        blueprint: {
          authority: live.sandbox.authority,
          tenant: SANDBOX_TENANT,
          clientId: BLUEPRINT,
          credential: { kind: 'secret' },
        },
      });

    it('promise: an API configured over plain http elsewhere than loopback gets no token, and no request', async () => {
      const own = await sidecarWith({ name: 'plain', scopes: [JOBS_SCOPE], baseUrl: 'http://api.contoso.example/v1' });
      try {
        live.sandbox.clearRecords();
        const r = await request(`${own.url}/DownstreamApiUnauthenticated/plain?AgentIdentity=${AGENT}`, {
          method: 'POST',
        });
        const body = (await r.body.json()) as Record<string, unknown>;
        assert.equal(r.statusCode, 400);
        assert.match(String(body.detail), /https only/);
        assert.equal(live.sandbox.requests.length, 0, 'no token was asked for');
      } finally {
        await own.stop();
      }
    });

    it('promise: a downstream answer is read up to 1 MiB only (an endless one does not fill the memory)', async () => {
      let sent = 0;
      const api = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (!res.destroyed && sent < 400 * (1 << 20)) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
      const own = await sidecarWith({
        name: 'big',
        scopes: [JOBS_SCOPE],
        baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}/`,
      });
      try {
        const r = await request(`${own.url}/DownstreamApiUnauthenticated/big?AgentIdentity=${AGENT}`, {
          method: 'POST',
        });
        const body = (await r.body.json()) as Record<string, unknown>;
        assert.equal(r.statusCode, 502, JSON.stringify(body).slice(0, 300));
        assert.match(String(body.detail), /1 MiB/);
        assert.ok(sent < 16 * (1 << 20), `${sent} bytes left the API before the sidecar stopped reading`);
      } finally {
        await own.stop();
        api.closeAllConnections();
        await new Promise((r) => api.close(r));
      }
    });

    it('calls the configured API with the token (DownstreamApiUnauthenticated), and nowhere else', async () => {
      const seen: { path: string; auth: string; body: string }[] = [];
      const api = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => {
          seen.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', body });
          if (req.url === '/v1/moved') {
            res.writeHead(302, { location: 'http://127.0.0.1:9/steal' });
            res.end();
          } else {
            res.writeHead(201, { 'content-type': 'application/json', 'x-api': 'mine' });
            res.end(JSON.stringify({ ok: true }));
          }
        });
      });
      await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;
      const own = await sidecarWith({ name: 'mine', scopes: [JOBS_SCOPE], baseUrl: base });
      try {
        const post = (path: string) =>
          request(`${own.url}${path}`, {
            method: 'POST',
            body: '{"q":1}',
            headers: { 'content-type': 'application/json' },
          }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> }));
        const r = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=forecast&optionsOverride.BaseUrl=http://127.0.0.1:9`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.statusCode, 201);
        assert.equal(r.body.content, '{"ok":true}');
        assert.equal((r.body.headers as Record<string, string>)['x-api'], 'mine');
        assert.equal(seen[0]?.path, '/v1/forecast', 'BaseUrl is ignored; RelativePath is under the configured base');
        assert.equal(seen[0]?.body, '{"q":1}');
        const token = decodeToken(seen[0]!.auth.replace(/^Bearer /, ''));
        assert.deepEqual(token.claims.roles, ['Jobs.Read']);
        // A redirect is answered, not followed; a path that leaves the origin is refused before any call.
        const moved = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=moved`,
        );
        assert.equal(moved.body.statusCode, 302);
        assert.equal(seen.length, 2);
        const port = new URL(base).port;
        for (const relative of [
          '//evil.example/x',
          `//127.0.0.1.evil.example:${port}/v1/x`,
          `http://127.0.0.1:${Number(port) + 1}/v1/x`,
          `http://localhost:${port}/v1/x`,
          `https://127.0.0.1:${port}/v1/x`,
          '/\\evil.example/x',
        ]) {
          const away = await post(
            `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=${encodeURIComponent(relative)}`,
          );
          assert.equal(away.status, 400, relative);
          assert.match(String(away.body.detail), /may not leave/, relative);
        }
        assert.equal((await post('/DownstreamApiUnauthenticated/graph')).status, 400, 'an API without a base URL');
        assert.equal(seen.length, 2);
        // Never, whatever the configuration says: the exchange's token to any API, Graph's or a sample API's to this
        // host. Refused before a token is asked for.
        live.sandbox.clearRecords();
        for (const scope of [
          'api://AzureADTokenExchange/.default',
          'https://graph.microsoft.com/.default',
          'api://sandbox-weather/.default',
        ]) {
          const r = await post(
            `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.Scopes=${encodeURIComponent(scope)}`,
          );
          assert.equal(r.status, 400, scope);
          assert.match(String(r.body.detail), /whatever any allow-list says|the agent's credential/, scope);
        }
        assert.equal(live.sandbox.requests.length, 0, 'no token was asked for');
        assert.equal(seen.length, 2);
      } finally {
        await own.stop();
        await new Promise((r) => api.close(r));
      }
    });
  });
});

// SECURITY.md, the agent sidecar: "a caller's bearer token is accepted only from its own tenant". Entra signs every
// tenant's tokens with the same keys, so a user of another tenant where the blueprint's (multi-tenant) principal
// exists holds a token with the right audience and a valid signature: only the issuer tells.
describe("promise: the sidecar trusts only its own tenant's users (/Validate, /AuthorizationHeader, /DownstreamApi)", () => {
  const started: AgentSidecar[] = [];
  const SECOND_PUBLIC_CLIENT = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8c';
  const directory = testDirectory();
  const second = directory.tenants.find((t) => t.id === SECOND_TENANT)!;
  // The blueprint's principal in the second tenant (a multi-tenant app), a user there, and the sign-in client.
  second.resources = [
    ...(second.resources ?? []),
    { appId: BLUEPRINT, identifierUri: `api://${BLUEPRINT}`, scopes: ['access_as_user'] },
  ];
  second.users = [
    {
      id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6e',
      userPrincipalName: 'eve@second.onmicrosoft.com',
      password: 'Second-tenant-pw1',
    },
  ];
  second.publicClients = [{ clientId: SECOND_PUBLIC_CLIENT }];
  // Before the helper's hooks, so that (mocha runs after() hooks in order) the sidecars stop first, as they did.
  after(async () => {
    for (const s of started) await s.stop();
  });
  const live = sandboxAndEngine({ sandbox: { directory }, engine: { retryBaseDelayMs: 10 }, engineFor: 'suite' });
  const sidecarFor = async (tenant: string, clock?: () => number) => {
    const s = await AgentSidecar.start({
      ...(clock ? { clock } : {}),
      acquire: acquirerOf(live.engine, {
        readSecret: async (k) => (k === 'clientSecret' ? SECRET : undefined),
        warn: () => {},
      }),
      port: 0,
      blueprint: { authority: live.sandbox.authority, tenant, clientId: BLUEPRINT, credential: { kind: 'secret' } },
      apis: [{ name: 'mine', scopes: [JOBS_SCOPE], baseUrl: 'http://127.0.0.1:9/' }],
    });
    started.push(s);
    return s;
  };
  const userOf = async (tenant: string, username: string, password: string) => {
    const res = await fetch(`${live.sandbox.authority}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: tenant === SECOND_TENANT ? SECOND_PUBLIC_CLIENT : SANDBOX_PUBLIC_CLIENT_ID,
        grant_type: 'password',
        username,
        password,
        scope: `api://${BLUEPRINT}/access_as_user`,
      }),
    });
    const body = (await res.json()) as { access_token?: string };
    assert.ok(body.access_token, JSON.stringify(body));
    return body.access_token;
  };
  const call = async (s: AgentSidecar, path: string, token: string, method: 'GET' | 'POST' = 'GET') => {
    const r = await request(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
  };

  it("refuses a user of another tenant on every authenticated route, and still serves its own tenant's users", async () => {
    const foreign = await userOf(SECOND_TENANT, 'eve@second.onmicrosoft.com', 'Second-tenant-pw1');
    assert.equal(decodeToken(foreign).claims.tid, SECOND_TENANT, 'the other tenant issued it, for the blueprint');
    const own = await userOf(SANDBOX_TENANT, 'ada@sandbox.onmicrosoft.com', SANDBOX_USER_PASSWORD);
    // The sidecar's tenant by id, and by a domain name (resolved through the tenant's metadata).
    for (const tenant of [SANDBOX_TENANT, 'sandbox.onmicrosoft.com']) {
      const s = await sidecarFor(tenant);
      for (const [path, method] of [
        ['/Validate', 'GET'],
        [`/AuthorizationHeader/mine?AgentIdentity=${AGENT}`, 'GET'],
        [`/DownstreamApi/mine?AgentIdentity=${AGENT}`, 'POST'],
      ] as const) {
        const r = await call(s, path, foreign, method);
        assert.equal(r.status, 401, `${tenant} ${path}: ${JSON.stringify(r.body)}`);
        assert.match(String(r.body.detail), /another tenant|its own tenant/i, path);
      }
      assert.equal((await call(s, '/Validate', own)).status, 200, `${tenant}: its own user`);
    }
  });

  it('refuses a token that is not valid yet (nbf more than 5 minutes ahead of its clock)', async () => {
    const own = await userOf(SANDBOX_TENANT, 'ada@sandbox.onmicrosoft.com', SANDBOX_USER_PASSWORD);
    // A sidecar whose clock is an hour behind the tenant's: a fresh token is not valid yet for it.
    const behind = await sidecarFor(SANDBOX_TENANT, () => Date.now() - 3600_000);
    const r = await call(behind, '/Validate', own);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.match(String(r.body.title), /not valid yet/);
    // Four minutes behind is within the five minutes of skew allowed.
    const close = await sidecarFor(SANDBOX_TENANT, () => Date.now() - 4 * 60_000);
    assert.equal((await call(close, '/Validate', own)).status, 200);
  });
});
