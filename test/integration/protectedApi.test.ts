// The sandbox's sample protected API answers as an Entra-protected resource does, and core/apiDiagnosis reads its
// answers: the agent with the role gets 200, the one without a 403 whose explanation names the role.
import assert from 'node:assert/strict';
import { request } from 'undici';
import { AgentTokenEngine } from '../../src/core/agentTokens';
import { fetchResourceMetadata } from '../../src/core/apiCaller';
import { diagnose, parseWwwAuthenticate } from '../../src/core/apiDiagnosis';
import { clientSecret } from '../../src/core/credentials';
import { decodeToken } from '../../src/core/jwt';
import type { SandboxTenant } from '../../src/sandbox/server';
import { AGENT, BLUEPRINT, LEGACY_API, OTHER_AGENT, SANDBOX_TENANT, SECRET, startSandbox } from '../helpers';

const WEATHER = 'api://sandbox-weather/.default';

describe("the sandbox's protected API (apis/weather), and why it refuses", () => {
  let sandbox: SandboxTenant;
  let engine: AgentTokenEngine;
  before(async () => {
    sandbox = await startSandbox();
    engine = new AgentTokenEngine();
  });
  after(async () => {
    await engine.close();
    await sandbox.stop();
  });
  const tokenFor = async (agentId: string, scope = WEATHER) =>
    (
      await engine.getAutonomousToken({
        authority: sandbox.authority,
        tenant: SANDBOX_TENANT,
        blueprintId: BLUEPRINT,
        agentId,
        scope,
        credential: clientSecret(SECRET),
      })
    ).accessToken;
  const call = async (token?: string, path = '/apis/weather/forecast') => {
    const r = await request(
      `${sandbox.authority}${path}`,
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
    assert.match(d.causes[0]!.fix, /app role Forecast\.Read on the API's service principal/);
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
      url: `${sandbox.authority}/apis/weather/forecast`,
    });
    assert.deepEqual(
      d.causes.map((c) => c.cause.slice(0, 34)),
      [
        'A Microsoft Graph token was sent t',
        'The API did not accept the token i',
        'The API publishes its protected-re',
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
