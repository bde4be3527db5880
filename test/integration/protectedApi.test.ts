// The sandbox's sample protected API answers as an Entra-protected resource does, and core/apiDiagnosis reads its
// answers: the agent with the role gets 200, the one without a 403 whose explanation names the role.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { callApi, fetchResourceMetadata } from '../../src/core/api/apiCaller';
import { diagnose, parseWwwAuthenticate } from '../../src/core/api/apiDiagnosis';
import { explainResponse } from '../../src/core/api/apiExplain';
import { clientSecret } from '../../src/core/credentials/credentials';
import { decodeToken } from '../../src/core/tokens/jwt';
import type { SandboxTenant } from '../../src/sandbox/server';
import {
  AGENT,
  BLUEPRINT,
  LEGACY_API,
  OTHER_AGENT,
  SANDBOX_TENANT,
  sandboxAndEngine,
  SECOND_AGENT,
  SECOND_BLUEPRINT,
  SECOND_TENANT,
  SECRET,
  startSandbox,
  testDirectory,
} from '../helpers';

const WEATHER = 'api://sandbox-weather/.default';

describe("the sandbox's protected API (apis/weather), and why it refuses", () => {
  const live = sandboxAndEngine({ engineFor: 'suite' });
  const tokenFor = async (agentId: string, scope = WEATHER) =>
    (
      await live.engine.getAutonomousToken({
        authority: live.sandbox.authority,
        tenant: SANDBOX_TENANT,
        blueprintId: BLUEPRINT,
        agentId,
        scope,
        credential: clientSecret(SECRET),
      })
    ).accessToken;
  const call = async (token?: string, path = '/apis/weather/forecast') => {
    const r = await request(
      `${live.sandbox.authority}${path}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    const body = await r.body.text();
    return { status: r.statusCode, challenge: String(r.headers['www-authenticate'] ?? ''), body };
  };

  it('answers 200 to the agent with the app role Forecast.Read, naming the caller and its blueprint', async () => {
    const r = await call(await tokenFor(AGENT));
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { caller: string; parentBlueprint: string };
    assert.equal(body.caller, AGENT);
    assert.equal(body.parentBlueprint, BLUEPRINT);
  });

  it('answers 403 insufficient_scope to the agent without it, and the explanation names the role to grant', async () => {
    const token = await tokenFor(OTHER_AGENT);
    const r = await call(token);
    assert.equal(r.status, 403);
    const [bearer] = parseWwwAuthenticate(r.challenge);
    assert.equal(bearer?.params.error, 'insufficient_scope');
    assert.equal(bearer?.params.scope, 'Forecast.Read');
    assert.match(bearer?.params.resource_metadata ?? '', /\/\.well-known\/oauth-protected-resource\/apis\/weather$/);
    const claims = decodeToken(token).claims;
    const d = diagnose({ status: r.status, headers: { 'WWW-Authenticate': r.challenge }, body: r.body, claims });
    assert.match(d.summary, /^HTTP 403: The token lacks Forecast\.Read/);
    assert.match(d.causes[0]!.fix, /Grant the agent identity the app role Forecast\.Read \(Grant Permissions…/);
    const withExpectation = diagnose({
      status: r.status,
      headers: {},
      claims,
      expect: { roles: ['Forecast.Read'] },
    });
    assert.match(withExpectation.causes[0]!.evidence, /^roles = \(none\)$/);
  });

  it('answers 401 with its RFC 9728 metadata to a call without a token, and serves that document', async () => {
    const r = await call();
    assert.equal(r.status, 401);
    const metadata = parseWwwAuthenticate(r.challenge)[0]!.params.resource_metadata!;
    assert.equal(diagnose({ status: 401, headers: { 'www-authenticate': r.challenge } }).resourceMetadata, metadata);
    const doc = (await (await request(metadata)).body.json()) as { resource: string; scopes_supported: string[] };
    assert.equal(doc.resource, 'api://sandbox-weather');
    assert.ok(doc.scopes_supported.includes(WEATHER));
  });

  it('answers 401 invalid_token to a token for another audience, and to a forged signature', async () => {
    const graph = await tokenFor(AGENT, 'https://graph.microsoft.com/.default');
    const wrongAudience = await call(graph);
    assert.equal(wrongAudience.status, 401);
    // A Graph token is signed over its hashed header nonce: any API but Graph finds its signature bad first,
    // which is what a real API says of one, and why the explanation names the Graph audience before anything else.
    assert.match(wrongAudience.challenge, /error="invalid_token", error_description="The signature is not valid\."/);
    const d = diagnose({
      status: 401,
      headers: { 'www-authenticate': wrongAudience.challenge },
      claims: decodeToken(graph).claims,
      expect: { audiences: ['api://sandbox-weather'] },
      url: `${live.sandbox.authority}/apis/weather/forecast`,
    });
    assert.deepEqual(
      d.causes.map((c) => c.cause.slice(0, 34)),
      [
        'A Microsoft Graph token was sent t',
        'The API did not accept the token i',
        'The token is for another API: its ',
      ],
    );
    assert.match(d.summary, /^HTTP 401: A Microsoft Graph token was sent to another API/);
    // An audience check fails on a token that is not Graph's (a v1 token for another API).
    const legacy = await tokenFor(AGENT, `${LEGACY_API}/.default`);
    assert.match((await call(legacy)).challenge, /error_description="The audience is not this API\."/);
    const [h, p] = (await tokenFor(AGENT, WEATHER)).split('.');
    const forged = await call(`${h}.${p}.${'A'.repeat(342)}`);
    assert.equal(forged.status, 401);
    assert.match(forged.challenge, /The signature is not valid/);
    assert.equal((await call(undefined, '/apis/nothing')).status, 404);
  });
});

describe('every cause the explanation names, each from a real answer of the sandbox (core/apiExplain)', () => {
  const live = sandboxAndEngine({ engineFor: 'suite' });
  const token = async (scope: string, over: { tenant?: string; blueprintId?: string; agentId?: string } = {}) =>
    (
      await live.engine.getAutonomousToken({
        authority: live.sandbox.authority,
        tenant: SANDBOX_TENANT,
        blueprintId: BLUEPRINT,
        agentId: AGENT,
        scope,
        credential: clientSecret(SECRET),
        ...over,
      })
    ).accessToken;
  /** Calls as the faces do (core/apiCaller), and explains as they do (core/apiExplain, metadata included). */
  const explained = async (path: string, raw: string) => {
    const url = `${live.sandbox.authority}${path}`;
    const response = await callApi({ url, method: 'GET', token: raw });
    const { diagnosis, metadata } = await explainResponse(response, decodeToken(raw).claims, url);
    return { response, diagnosis: diagnosis!, metadata };
  };
  const causes = (d: { causes: readonly { cause: string }[] }) => d.causes.map((c) => c.cause);

  it('a Conditional Access claims challenge: what it asks for, and that an app-only agent cannot meet it', async () => {
    const { response, diagnosis } = await explained('/apis/weather/admin/reset', await token(WEATHER));
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate']!, /error="insufficient_claims", claims="eyJ/);
    assert.equal(diagnosis.causes[0]!.cause, 'A claims challenge: the API wants a token with more (or newer) claims.');
    assert.match(
      diagnosis.causes[0]!.evidence,
      /the authentication context c1 \(a Conditional Access policy requires a step-up\)/,
    );
    assert.match(diagnosis.causes[0]!.fix, /An app-only agent cannot satisfy a user step-up/);
  });

  it('a v1 token to an API that validates v2 issuers only: named from its metadata, with both fixes', async () => {
    const raw = await token(`${LEGACY_API}/.default`);
    assert.equal(decodeToken(raw).claims.ver, '1.0');
    const { response, diagnosis, metadata } = await explained('/apis/legacy/orders', raw);
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate']!, /The issuer is not this tenant/);
    assert.deepEqual(metadata?.authorizationServers, [`${live.sandbox.authority}/${SANDBOX_TENANT}/v2.0`]);
    const v = diagnosis.causes.find((c) => c.cause.startsWith('A v1.0 token to an API that validates v2.0 tokens'));
    assert.ok(v, causes(diagnosis).join(' | '));
    assert.match(v.evidence, /ver = 1\.0, iss = .*\/$/);
    assert.match(v.fix, /set accessTokenVersion to 2/);
    // Its v1 token's audience is the API's URI, so the audience is compared too: it matches (no such cause).
    assert.ok(!causes(diagnosis).some((c) => c.startsWith('The token is for another API')));
  });

  it("a token from another tenant: the API's tenant read from its metadata's issuer", async () => {
    const raw = await token(WEATHER, { tenant: SECOND_TENANT, blueprintId: SECOND_BLUEPRINT, agentId: SECOND_AGENT });
    const { response, diagnosis } = await explained('/apis/weather/forecast', raw);
    assert.equal(response.status, 401);
    const t = diagnosis.causes.find((c) => c.cause === "The token comes from another tenant than the API's.");
    assert.ok(t, causes(diagnosis).join(' | '));
    assert.equal(t.evidence, `tid = ${SECOND_TENANT}; the API's tenant is ${SANDBOX_TENANT}`);
  });

  it('an expired token: the API says so, and the explanation gives exp and how long ago', async () => {
    const directory = testDirectory();
    directory.tokenLifetimes = { t1Seconds: 600, accessTokenSeconds: 1 };
    const short = await startSandbox({ directory });
    const local = new AgentTokenEngine();
    try {
      const raw = (
        await local.getAutonomousToken({
          authority: short.authority,
          tenant: SANDBOX_TENANT,
          blueprintId: BLUEPRINT,
          agentId: AGENT,
          scope: WEATHER,
          credential: clientSecret(SECRET),
        })
      ).accessToken;
      await new Promise((r) => setTimeout(r, 1100));
      const url = `${short.authority}/apis/weather/forecast`;
      const response = await callApi({ url, method: 'GET', token: raw });
      assert.equal(response.status, 401);
      assert.match(response.headers['www-authenticate']!, /The token is expired/);
      const { diagnosis } = await explainResponse(response, decodeToken(raw).claims, url);
      const e = diagnosis!.causes.find((c) => c.cause === 'The token has expired.');
      assert.ok(e, causes(diagnosis!).join(' | '));
      assert.match(e.evidence, /^exp = \d{4}-/);
    } finally {
      await local.close();
      await short.stop();
    }
  });

  it("an API that refuses agents with a plain 403: its words, and the agent's parent blueprint as evidence", async () => {
    const { response, diagnosis, metadata } = await explained(
      '/apis/partners/list',
      await token('api://sandbox-partners/.default'),
    );
    assert.equal(response.status, 403);
    assert.equal(response.headers['www-authenticate'], undefined, 'no challenge to read');
    assert.equal(metadata, undefined);
    assert.match(diagnosis.summary, /^HTTP 403: The API refused an agent identity/);
    assert.equal(
      diagnosis.causes[0]!.evidence,
      `xms_par_app_azp = ${BLUEPRINT} (an agent's token); the API said "This API does not accept agent identities."`,
    );
  });

  it("a 403 the token does not explain: the API's own words, quoted as data", async () => {
    const { diagnosis } = await explained('/apis/partners/list', await token('api://sandbox-partners/.default'));
    assert.ok(
      diagnosis.causes.every((c) => !c.fix.includes('This API does not accept')),
      'quoted in evidence only',
    );
    const d = diagnose({ status: 403, headers: {}, body: '{"message":"Quota  exceeded   for tenant"}', claims: {} });
    assert.deepEqual(d.causes, [
      {
        cause: 'The API gives its reason in the body.',
        evidence: '"Quota exceeded for tenant"',
        fix: "Read the API's message; nothing in the challenge or the token explains the refusal.",
        quoted: { told: 'Quota exceeded for tenant' },
        catalogue: {
          cause: 'The API gives its reason in the body.',
          fix: "Read the API's message; nothing in the challenge or the token explains the refusal.",
        },
      },
    ]);
    assert.equal(diagnose({ status: 403, headers: {}, body: '<html>denied</html>', claims: {} }).causes.length, 0);
  });
});

describe("RFC 9728 metadata is read only from the API's own origin (core/apiCaller)", () => {
  let sandbox: SandboxTenant;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.stop());

  it('reads the document on the same origin, and ignores one the challenge puts elsewhere', async () => {
    const api = `${sandbox.authority}/apis/weather/forecast`;
    const metadata = `${sandbox.authority}/.well-known/oauth-protected-resource/apis/weather`;
    const doc = await fetchResourceMetadata(metadata, api);
    assert.equal(doc?.resource, 'api://sandbox-weather');
    assert.ok(doc?.scopes.includes(WEATHER));
    const before = sandbox.requestCount;
    assert.equal(await fetchResourceMetadata(metadata, 'http://127.0.0.2:9/apis/weather'), undefined);
    assert.equal(sandbox.requestCount, before, 'nothing was fetched from the other origin');
    assert.equal(await fetchResourceMetadata(`${sandbox.authority}/apis/nothing`, api), undefined, 'not a document');
  });
});
