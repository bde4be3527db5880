import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { SidecarAuthProvider } from '@microsoft/agents-hosting';
import { acquirerOf } from '../../src/core/engine/acquisition';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { decodeToken } from '../../src/core/tokens/jwt';
import { sidecarSettingsText } from '../../src/extension/sidecar/sidecarSettings';
import { AgentSidecar, builtInApis, mergeApis } from '../../src/sidecar/sidecarServer';
import { EXTENSION_ALLOW_OVERRIDES } from '../../src/extension/sidecar/sidecarRules';
import { runSdkAgent, sidecarSettingsEnv } from '../sdkAgent';
import { asExtension, startSandboxSidecar } from '../sidecarConfig';
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
/** An agent's own token: what the Agents SDK asks for, and what a plain-HTTP caller must ask for too. */
const APP = 'optionsOverride.RequestAppToken=true';

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
    sidecar = await startSandboxSidecar(live);
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

  // agenticblueprint as the container configures it (an app-token API for api://AzureADTokenExchange/.default): with
  // AgentIdentity, the agent is the app path's client (AgentIdentitiesExtension.cs:75-98), so the answer is the
  // agent's own exchange token, after T1.
  it("gives the agent's exchange token (getAgenticApplicationToken, agenticblueprint)", async () => {
    live.sandbox.clearRecords();
    const token = decodeToken(await provider().getAgenticApplicationToken(SANDBOX_TENANT, AGENT));
    assert.equal(token.claims.aud, TOKEN_EXCHANGE_APP_ID);
    assert.equal(token.claims.appid ?? token.claims.azp, AGENT);
  });

  // The container answers an MsalServiceException as 401 with MSAL's message as the detail
  // (src/Microsoft.Identity.Web.Sidecar/Endpoints/AuthorizationHeaderEndpoint.cs:151-157).
  it("passes Entra's refusal on as 401 ProblemDetails, Entra's description as the detail", async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    const error = await provider()
      .getAgenticInstanceToken(SANDBOX_TENANT, unknown)
      .then(
        () => assert.fail('an unknown agent got a token'),
        (e: unknown) => e as Error,
      );
    assert.match(error.message, /Unauthorized|401/);
    // Over plain HTTP, the status itself: 401, ASP.NET's title, Entra's description.
    const r = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${unknown}&${APP}`);
    const body = (await r.body.json()) as { type: string; title: string; status: number; detail: string };
    assert.equal(r.statusCode, 401);
    assert.deepEqual(
      { type: body.type, title: body.title, status: body.status },
      { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.2', title: 'Unauthorized', status: 401 },
    );
    assert.match(body.detail, /^AADSTS700016: /);
  });

  // Anything but Entra's refusal is 500 "An unexpected error occurred." (AuthorizationHeaderEndpoint.cs:158-164).
  it("is retried by the client when it fails once (the tenant's connection reset on every attempt: 500)", async () => {
    // Over plain HTTP first: every attempt of the engine reset, the sidecar answers 500, in the container's words.
    live.sandbox.injectFaults({ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' });
    const plain = await request(
      `${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?optionsOverride.AcquireTokenOptions.ForceRefresh=true&${APP}`,
    );
    const problem = (await plain.body.json()) as { title: string; detail: string };
    assert.equal(plain.statusCode, 500);
    assert.equal(problem.title, 'An error occurred while processing your request.');
    assert.equal(problem.detail, 'An unexpected error occurred.');
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
      request(`${sidecar.url}${path}`, { headers }).then(async (r) => {
        const text = await r.body.text();
        return {
          status: r.statusCode,
          type: String(r.headers['content-type']),
          challenge: String(r.headers['www-authenticate'] ?? ''),
          body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        };
      });

    // HealthChecks' default writer: text/plain "Healthy"; every success uncacheable (CacheControl.cs:13-36).
    // An outside review found both: a hostile caller token whose audience held a line break or a character outside
    // Latin-1 took the CLI's sidecar down (the challenge header could not be written); `/constructor/{api}` served a
    // token through the route table's prototype.
    it('promise: a hostile token or path cannot take it down, nor reach a route it does not have', async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      for (const aud of ['中', 'a\r\nSet-Cookie: x=1', '\u0000']) {
        const token = `${b64({ alg: 'RS256' })}.${b64({ aud, exp: 9999999999 })}.x`;
        const r = await get('/Validate', { authorization: `Bearer ${token}` });
        assert.equal(r.status, 401, JSON.stringify(aud));
        assert.match(r.challenge, /^Bearer error="invalid_token", error_description="[ -~]*"$/);
      }
      for (const route of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
        assert.equal((await get(`/${route}/agenticblueprint?AgentIdentity=${AGENT}`)).status, 404, route);
      assert.equal((await request(`${sidecar.url}/healthz`)).statusCode, 200, 'still up');
    });

    // The container hands scopes to Microsoft.Identity.Web as written (its own E2E tests use `User.Read`:
    // tests/E2E Tests/Sidecar.Tests/SidecarApiFactory.cs:36); Entra judges them, not this sidecar.
    it('sends short-form delegated scopes to Entra as written', async () => {
      live.sandbox.clearRecords();
      await get(
        `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&AgentUsername=${encodeURIComponent(AGENT_USER_UPN)}&optionsOverride.Scopes=User.Read`,
      );
      const last = live.sandbox.requests.at(-1);
      assert.equal(last?.params.grant_type, 'user_fic', 'the third leg was sent');
      assert.match(String(last?.params.scope), /^User\.Read /);
    });

    it('answers /healthz in plain text, and marks every success uncacheable', async () => {
      const health = await request(`${sidecar.url}/healthz`);
      assert.deepEqual(
        [health.statusCode, health.headers['content-type'], await health.body.text()],
        [200, 'text/plain', 'Healthy'],
      );
      // Every method, every caller (MapHealthChecks; LocalCallerRestriction.cs:34-35).
      const probe = await request(`${sidecar.url}/healthz`, { method: 'POST', headers: { host: 'pod-ip:5178' } });
      assert.deepEqual([probe.statusCode, await probe.body.text()], [200, 'Healthy']);
      const r = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph?${APP}`);
      await r.body.dump();
      assert.deepEqual(
        [r.headers['cache-control'], r.headers.expires, r.headers.pragma],
        ['no-cache, no-store, must-revalidate', '0', 'no-cache'],
      );
    });

    // A claims challenge answered through the sidecar: AcquireTokenOptions.Claims reaches the final leg, past the
    // cache (BindableDownstreamApiOptions.cs:106-108; DownstreamApiOptionsMerger.cs:87-90).
    it('sends optionsOverride.AcquireTokenOptions.Claims on the leg that gets the token, past the cache', async () => {
      const path = `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&${APP}`;
      assert.equal((await get(path)).status, 200);
      live.sandbox.clearRecords();
      const claims = '{"access_token":{"xms_cc":{"values":["cp1"]}}}';
      const r = await get(`${path}&optionsOverride.AcquireTokenOptions.Claims=${encodeURIComponent(claims)}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        live.sandbox.requests.map((q) => [q.params.client_id, q.params.claims]),
        [[AGENT, claims]],
        'T1 from the cache; the agent leg sent again, with the claims',
      );
    });

    it('answers the documented shape', async () => {
      const r = await get(`/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&${APP}`);
      assert.equal(r.status, 200);
      assert.match(String(r.body.authorizationHeader), /^Bearer eyJ/);
    });

    it('refuses bad input with ProblemDetails as the container does, and foreign callers with 403', async () => {
      for (const [path, headers, status] of [
        // An API that is not configured: the default options, no scopes (AuthorizationHeaderEndpoint.cs:118-123).
        ['/AuthorizationHeaderUnauthenticated/nope', {}, 400],
        // Names are exact: Graph is not graph (named options are looked up in exact case).
        ['/AuthorizationHeaderUnauthenticated/Graph', {}, 400],
        // Sent to Entra by the container, refused there: 401 (checked here before sending).
        [`/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=not-a-guid&${APP}`, {}, 401],
        // No RequestAppToken and no user: a user flow with nobody signed in (TokenAcquisition.cs:465-471).
        [`/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}`, {}, 401],
        ['/AuthorizationHeaderUnauthenticated/graph', { host: 'evil.example:5178' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'https://evil.example' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'http://localhost:3000' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'http://127.0.0.1:1' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { origin: 'null' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { 'sec-fetch-site': 'cross-site' }, 403],
        ['/AuthorizationHeaderUnauthenticated/graph', { 'sec-fetch-site': 'same-site' }, 403],
      ] as const) {
        const r = await get(path, headers);
        assert.equal(r.status, status, path);
        assert.match(r.type, /^application\/problem\+json$/, path);
        assert.equal(r.body.status, status);
        assert.ok(typeof r.body.title === 'string' && typeof r.body.detail === 'string', path);
      }
      // Routing's own answers have no body: an unknown path, a route asked with another method (with Allow).
      const nowhere = await get('/nowhere');
      assert.deepEqual([nowhere.status, nowhere.body], [404, {}]);
      const post = await request(`${sidecar.url}/AuthorizationHeaderUnauthenticated/graph`, { method: 'POST' });
      assert.deepEqual([post.statusCode, post.headers.allow, await post.body.text()], [405, 'GET', '']);
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
        // JwtBearer's challenge: 401, WWW-Authenticate, no body.
        const r = await get('/Validate', headers);
        assert.equal(r.status, 401, what);
        assert.deepEqual(r.body, {}, what);
        assert.match(r.challenge, what === 'no token' ? /^Bearer$/ : /^Bearer error="invalid_token"/, what);
      }
      assert.equal(
        (await get(`/AuthorizationHeader/graph?${scopes}`, bearer)).status,
        400,
        'the blueprint-only OBO is not served',
      );
    });

    it('answers from the cache, asks Entra again with ForceRefresh, and sends both legs to the Tenant asked for', async () => {
      const path = `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&${APP}`;
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
      assert.match(String(elsewhere.body.detail), /^AADSTS/);
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
        ...asExtension(live.sandbox.authority),
      });
      try {
        const r = await request(
          `${second.url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${SECOND_AGENT}&optionsOverride.AcquireTokenOptions.Tenant=${SECOND_TENANT}&${APP}`,
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
      const path = `/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&${APP}&optionsOverride.Scopes=${encodeURIComponent('api://sandbox-weather/.default')}`;
      const answers = await Promise.all(Array.from({ length: 100 }, () => get(path)));
      assert.ok(answers.every((a) => a.status === 200));
      // T1 is cached from the earlier tests: one leg-2 request for all hundred.
      assert.equal(live.sandbox.requests.length, 1);
    });

    /**
     * A sidecar of the suite's blueprint and engine with one more app-token API, and overrides on for
     * DownstreamApiUnauthenticated too; the caller stops it.
     */
    const sidecarWith = (api: { name: string; scopes: string[]; baseUrl: string }) =>
      AgentSidecar.start({
        acquire: acquirerOf(live.engine, { readSecret: async () => SECRET, warn: () => {} }),
        port: 0,
        apis: mergeApis(builtInApis(live.sandbox.authority), [{ ...api, requestAppToken: true }]),
        allowOverrides: { ...EXTENSION_ALLOW_OVERRIDES, CallDownstreamApiUnauthenticated: true },
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
        // A deliberate difference (docs/sidecar.md): the container reads any size; this sidecar stops at 1 MiB and
        // answers as the container answers any failure.
        assert.equal(r.statusCode, 500, JSON.stringify(body).slice(0, 300));
        assert.equal(body.detail, 'An unexpected error occurred.');
        assert.ok(sent < 16 * (1 << 20), `${sent} bytes left the API before the sidecar stopped reading`);
      } finally {
        await own.stop();
        api.closeAllConnections();
        await new Promise((r) => api.close(r));
      }
    });

    it('calls the configured API with the token (DownstreamApiUnauthenticated), and nowhere else', async () => {
      const seen: { method: string; path: string; auth: string; accept: string; type: string; body: string }[] = [];
      const STEP_UP = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
      let stepped = 0;
      const api = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => {
          seen.push({
            method: req.method ?? '',
            path: req.url ?? '',
            auth: req.headers.authorization ?? '',
            accept: `${req.headers.accept ?? ''}; encoding ${req.headers['accept-encoding'] ?? 'none'}`,
            type: req.headers['content-type'] ?? '',
            body,
          });
          if (req.url === '/v1/moved') {
            res.writeHead(302, { location: 'http://127.0.0.1:9/steal' });
            res.end();
          } else if (req.url === '/v1/chunked') {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.write('part one, ');
            res.end('part two');
          } else if (req.url === '/v1/stepup' && !stepped++) {
            const claims = Buffer.from(STEP_UP).toString('base64');
            res.writeHead(401, {
              'www-authenticate': `Bearer realm="", error="insufficient_claims", claims="${claims}"`,
              'content-length': 0,
            });
            res.end();
          } else if (req.url === '/v1/empty') {
            res.writeHead(204);
            res.end();
          } else {
            const answer = JSON.stringify({ ok: true });
            res.writeHead(201, {
              'content-type': 'application/json',
              'content-length': answer.length,
              'x-api': 'mine',
            });
            res.end(answer);
          }
        });
      });
      await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;
      const own = await sidecarWith({ name: 'mine', scopes: [JOBS_SCOPE], baseUrl: base });
      try {
        const post = (path: string, withBody = true) =>
          request(`${own.url}${path}`, {
            method: 'POST',
            ...(withBody ? { body: '{"q":1}', headers: { 'content-type': 'application/json' } } : {}),
          }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> }));
        const r = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=/forecast&optionsOverride.HttpMethod=POST&optionsOverride.BaseUrl=http://127.0.0.1:9`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.statusCode, 201);
        assert.equal(r.body.content, '{"ok":true}');
        // The response's content headers only, as lists (DownstreamApiEndpoint.cs:183-186).
        assert.deepEqual(r.body.headers, { 'Content-Type': ['application/json'], 'Content-Length': ['11'] });
        // BaseUrl is ignored; "/forecast" joins the base with one slash (GetApiUrl), not from the origin's root.
        assert.deepEqual(
          { ...seen[0], auth: undefined },
          {
            method: 'POST',
            path: '/v1/forecast',
            auth: undefined,
            // No compression asked for, as the container's HttpClient asks none.
            accept: 'application/json; encoding identity',
            type: 'application/json',
            body: '{"q":1}',
          },
        );
        const token = decodeToken(seen[0]!.auth.replace(/^Bearer /, ''));
        assert.deepEqual(token.claims.roles, ['Jobs.Read']);
        // The content only when its length is known and not zero (DownstreamApiEndpoint.cs:176-181): a chunked
        // answer and an empty one both come back as content null. The method is GET unless configured.
        const chunked = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=chunked`,
          false,
        );
        assert.deepEqual(
          [chunked.body.statusCode, chunked.body.content, chunked.body.headers],
          [200, null, { 'Content-Type': ['text/plain'] }],
        );
        const empty = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=empty`,
          false,
        );
        assert.deepEqual([empty.body.statusCode, empty.body.content], [204, null]);
        assert.deepEqual(
          seen.slice(1).map((q) => [q.method, q.path]),
          [
            ['GET', '/v1/chunked'],
            ['GET', '/v1/empty'],
          ],
        );
        seen.splice(1);
        // A redirect is answered, not followed; a path that leaves the origin is refused before any call.
        const moved = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=moved`,
        );
        assert.equal(moved.body.statusCode, 302);
        assert.equal(seen.length, 2);
        // A claims challenge: a new token with the claims, and the call once more (DownstreamApi.cs:588-602).
        live.sandbox.clearRecords();
        const stepUp = await post(
          `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.RelativePath=stepup`,
          false,
        );
        assert.equal(stepUp.body.statusCode, 201, JSON.stringify(stepUp.body));
        assert.deepEqual(
          live.sandbox.requests.map((q) => [q.params.client_id, q.params.claims]),
          [[AGENT, STEP_UP]],
          'the agent leg asked again with the claims (T1 from the cache)',
        );
        assert.deepEqual(
          seen.slice(-2).map((q) => q.path),
          ['/v1/stepup', '/v1/stepup'],
        );
        seen.splice(2);
        // Sent with GET, the caller's body does not go (a difference the request is marked with).
        assert.deepEqual([seen[1]!.method, seen[1]!.body], ['GET', '']);
        const port = new URL(base).port;
        for (const relative of [
          '//evil.example/x',
          `//127.0.0.1.evil.example:${port}/v1/x`,
          `http://127.0.0.1:${Number(port) + 1}/v1/x`,
          `http://localhost:${port}/v1/x`,
          `https://127.0.0.1:${port}/v1/x`,
          '/\\evil.example/x',
        ]) {
          // Joined after the base's path with its leading slashes trimmed, a RelativePath cannot name another host:
          // each one below is a path under the configured base, on its origin, as in the container.
          const away = await post(
            `/DownstreamApiUnauthenticated/mine?AgentIdentity=${AGENT}&optionsOverride.HttpMethod=POST&optionsOverride.RelativePath=${encodeURIComponent(relative)}`,
          );
          assert.equal(away.status, 200, relative);
          assert.ok(seen[seen.length - 1]!.path.startsWith('/v1/'), `${relative} → ${seen[seen.length - 1]!.path}`);
        }
        seen.splice(2);
        assert.equal(
          (await post(`/DownstreamApiUnauthenticated/graph?${APP}`)).status,
          500,
          "an API without a base URL: the container's HttpClient fails on a relative URL",
        );
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
  const sidecarFor = async (
    tenant: string,
    clock?: () => number,
    validation: { audiences?: string[]; requiredScopes?: string } = {},
  ) => {
    const s = await AgentSidecar.start({
      ...(clock ? { clock } : {}),
      ...validation,
      acquire: acquirerOf(live.engine, {
        readSecret: async (k) => (k === 'clientSecret' ? SECRET : undefined),
        warn: () => {},
      }),
      port: 0,
      blueprint: { authority: live.sandbox.authority, tenant, clientId: BLUEPRINT, credential: { kind: 'secret' } },
      ...asExtension(live.sandbox.authority, { name: 'mine', scopes: [JOBS_SCOPE], baseUrl: 'http://127.0.0.1:9/' }),
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
    const text = await r.body.text();
    return {
      status: r.statusCode,
      challenge: String(r.headers['www-authenticate'] ?? ''),
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
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
        assert.match(r.challenge, /^Bearer error="invalid_token", error_description="The issuer is invalid/, path);
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
    assert.match(r.challenge, /not valid yet/);
    // Four minutes behind is within the five minutes of skew allowed.
    const close = await sidecarFor(SANDBOX_TENANT, () => Date.now() - 4 * 60_000);
    assert.equal((await call(close, '/Validate', own)).status, 200);
  });

  // /Validate: the audiences JwtBearer accepts (AzureAd:Audience(s), by default the client id and api://client id),
  // then AzureAd:Scopes as one accepted scope, 403 with IDW10203 as text (ValidateRequestEndpoints.cs:32-36;
  // src/Microsoft.Identity.Web/Resource/ScopesRequiredHttpContextExtensions.cs).
  it('checks the audiences and the scope it is configured with (AzureAd__Audience(s), AzureAd__Scopes)', async () => {
    const own = await userOf(SANDBOX_TENANT, 'ada@sandbox.onmicrosoft.com', SANDBOX_USER_PASSWORD);
    const scoped = await sidecarFor(SANDBOX_TENANT, undefined, { requiredScopes: 'access_as_user' });
    assert.equal((await call(scoped, '/Validate', own)).status, 200);
    const other = await sidecarFor(SANDBOX_TENANT, undefined, { requiredScopes: 'Files.Read' });
    const refused = await request(`${other.url}/Validate`, { headers: { authorization: `Bearer ${own}` } });
    assert.equal(refused.statusCode, 403);
    assert.equal(
      await refused.body.text(),
      "IDW10203: The 'scope' or 'scp' claim does not contain scopes 'Files.Read' or was not found. ",
    );
    const elsewhere = await sidecarFor(SANDBOX_TENANT, undefined, { audiences: ['api://another-api'] });
    const wrong = await call(elsewhere, '/Validate', own);
    assert.equal(wrong.status, 401);
    assert.match(
      wrong.challenge,
      /^Bearer error="invalid_token", error_description="The audience '[^']+' is invalid\."$/,
    );
  });
});
