import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { AgentTokenEngine, type AutonomousTokenRequest } from '../../src/core/engine/agentTokens';
import {
  certificateCredential,
  clientSecret,
  loadPemCertificate,
  signCertificateAssertion,
} from '../../src/core/credentials/credentials';
import { EntraError } from '../../src/core/errors/entraError';
import type { SandboxTenant } from '../../src/sandbox/server';
import {
  AGENT,
  ASSERTION_TYPE,
  BLUEPRINT,
  CERT_AGENT,
  CERT_BLUEPRINT,
  DISABLED_AGENT,
  fixture,
  OTHER_AGENT,
  SANDBOX_TENANT,
  sandboxRequest,
  SECOND_AGENT,
  SECOND_BLUEPRINT,
  SECOND_TENANT,
  SECRET,
  startSandbox,
} from '../helpers';

const T1_SCOPE = 'api://AzureADTokenExchange/.default';

describe('sandbox validates like Entra', () => {
  let sandbox: SandboxTenant;
  let endpoint: string;
  before(async () => {
    sandbox = await startSandbox();
    endpoint = `${sandbox.authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`;
  });
  after(() => sandbox.stop());

  async function post(params: Record<string, string>, url = endpoint) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function expectError(
    params: Record<string, string>,
    status: number,
    error: string,
    code: number,
    url?: string,
  ) {
    const { status: s, body } = await post(params, url);
    assert.equal(s, status, JSON.stringify(body));
    assert.equal(body.error, error);
    assert.deepEqual(body.error_codes, [code]);
    assert.match(
      String(body.error_description),
      new RegExp(
        `^AADSTS${code}: .+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    );
    assert.match(String(body.trace_id), /^[0-9a-f-]{36}$/);
    assert.match(String(body.correlation_id), /^[0-9a-f-]{36}$/);
    assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    return body;
  }

  const leg1 = (extra: Record<string, string> = {}) => ({
    client_id: BLUEPRINT,
    scope: T1_SCOPE,
    fmi_path: AGENT,
    grant_type: 'client_credentials',
    client_secret: SECRET,
    ...extra,
  });
  async function t1For(agent = AGENT) {
    const { status, body } = await post(leg1({ fmi_path: agent }));
    assert.equal(status, 200);
    return String(body.access_token);
  }
  const leg2 = (t1: string, extra: Record<string, string> = {}) => ({
    client_id: AGENT,
    scope: 'https://graph.microsoft.com/.default',
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: t1,
    ...extra,
  });

  it('issues T1 and the agent token for a correct chain', async () => {
    const { status, body } = await post(leg2(await t1For()));
    assert.equal(status, 200);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 29100);
    assert.equal(typeof body.ext_expires_in, 'number');
  });

  it('unknown client → 700016', () =>
    expectError(leg1({ client_id: randomUUID() }), 400, 'unauthorized_client', 700016));
  it('wrong secret → 401 invalid_client 7000215', () =>
    expectError(leg1({ client_secret: 'nope' }), 401, 'invalid_client', 7000215));
  it('no credential → 7000218', async () => {
    const { client_secret: _, ...noCredential } = leg1();
    await expectError(noCredential, 400, 'invalid_client', 7000218);
  });
  for (const name of ['grant_type', 'client_id', 'scope']) {
    it(`missing ${name} → 900144 naming it`, async () => {
      const params: Record<string, string> = leg1();
      delete params[name];
      const body = await expectError(params, 400, 'invalid_request', 900144);
      assert.match(String(body.error_description), new RegExp(`'${name}'`));
    });
  }
  it('client_assertion without its type → 900144', async () => {
    const { client_assertion_type: _, ...params } = leg2('x.y.z');
    await expectError(params, 400, 'invalid_request', 900144);
  });
  it('a scope not ending in /.default → 1002012', () =>
    expectError(leg1({ fmi_path: '', scope: 'https://graph.microsoft.com/User.Read' }), 400, 'invalid_scope', 1002012));
  it('several scopes → 70011', () =>
    expectError(leg1({ scope: `${T1_SCOPE} https://graph.microsoft.com/.default` }), 400, 'invalid_scope', 70011));
  it('an unknown resource → 500011', () =>
    expectError(leg2('x', { scope: 'api://nowhere/.default' }), 400, 'invalid_resource', 500011));
  it('fmi_path with a scope other than the token exchange → 70011', () =>
    expectError(leg1({ scope: 'https://graph.microsoft.com/.default' }), 400, 'invalid_scope', 70011));
  it('fmi_path naming an agent identity of another blueprint → 700016', () =>
    expectError(leg1({ fmi_path: CERT_AGENT }), 400, 'unauthorized_client', 700016));
  it('an unknown tenant → 90002', () =>
    expectError(leg1(), 400, 'invalid_tenant', 90002, `${sandbox.authority}/${randomUUID()}/oauth2/v2.0/token`));
  it('RFC 8693 token exchange → 82001', () =>
    expectError(
      leg1({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' }),
      400,
      'invalid_request',
      82001,
    ));
  it('an unsupported grant type → 70003', () =>
    expectError(
      leg1({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }),
      400,
      'unsupported_grant_type',
      70003,
    ));
  it('a disabled agent identity → 7000112', async () =>
    expectError(leg2(await t1For(DISABLED_AGENT), { client_id: DISABLED_AGENT }), 400, 'unauthorized_client', 7000112));
  it('an agent identity with a secret of its own → 7000215', () =>
    expectError({ ...leg2('x'), client_secret: 'x' }, 401, 'invalid_client', 7000215));

  describe('T1 presented as the agent assertion', () => {
    it('by an agent identity other than the one in its fmi_path → 700213', async () =>
      expectError(leg2(await t1For(AGENT), { client_id: OTHER_AGENT }), 400, 'invalid_client', 700213));
    it("a blueprint's token-exchange token without fmi_path is never issued → 82008 (an old msal-node's mistake)", async () => {
      const { fmi_path: _, ...withoutFmiPath } = leg1();
      await expectError(withoutFmiPath, 400, 'invalid_request', 82008);
    });
    it('a token for another audience → 700212', async () => {
      const { body } = await post(leg2(await t1For(), { scope: 'api://sandbox-weather/.default' }));
      await expectError(leg2(String(body.access_token)), 400, 'invalid_client', 700212);
    });
    it('a token not signed by the tenant → 700027', async () => {
      const t1 = await t1For();
      const [h, p] = t1.split('.');
      await expectError(leg2(`${h}.${p}.${'A'.repeat(342)}`), 401, 'invalid_client', 700027);
    });
    it('a T1 issued in another tenant (leg 1 sent to the wrong tenant) → 700211', async () => {
      const res = await post(
        { ...leg1(), client_id: SECOND_BLUEPRINT, fmi_path: SECOND_AGENT },
        `${sandbox.authority}/${SECOND_TENANT}/oauth2/v2.0/token`,
      );
      assert.equal(res.status, 200);
      await expectError(leg2(String(res.body.access_token)), 400, 'invalid_client', 700211);
    });
    it("a T1 signed by another issuer's key → 700027", async () => {
      const other = await startSandbox();
      try {
        const res = await fetch(`${other.authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams(leg1()),
        });
        const foreign = String(((await res.json()) as Record<string, unknown>).access_token);
        await expectError(leg2(foreign), 401, 'invalid_client', 700027);
      } finally {
        await other.stop();
      }
    });
  });

  describe('certificate assertions', () => {
    const cert = certificateCredential(loadPemCertificate(fixture('blueprint-cert.pem')));
    const certLeg1 = (assertion: string) => ({
      client_id: CERT_BLUEPRINT,
      scope: T1_SCOPE,
      fmi_path: CERT_AGENT,
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    });
    const key = createPrivateKey(fixture('blueprint-cert.pem'));
    const otherKey = createPrivateKey(fixture('other-cert.pem'));
    const craft = (claims: Record<string, unknown>, signWith = key) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': cert.certificate.x5tS256 })
        .sign(signWith);
    const now = () => Math.floor(Date.now() / 1000);
    const good = () => ({
      aud: endpoint,
      iss: CERT_BLUEPRINT,
      sub: CERT_BLUEPRINT,
      jti: randomUUID(),
      nbf: now(),
      exp: now() + 600,
    });

    it('a valid assertion is accepted, also with MSAL.NET-style string nbf/exp and a domain audience', async () => {
      assert.equal((await post(certLeg1(await signCertificateAssertion(cert, CERT_BLUEPRINT, endpoint)))).status, 200);
      assert.equal(
        (await post(certLeg1(await craft({ ...good(), nbf: String(now()), exp: String(now() + 600) })))).status,
        200,
      );
      assert.equal(
        (
          await post(
            certLeg1(await craft({ ...good(), aud: `${sandbox.authority}/sandbox.onmicrosoft.com/oauth2/v2.0/token` })),
          )
        ).status,
        200,
      );
    });
    it('a bad signature → 700027', async () =>
      expectError(certLeg1(await craft(good(), otherKey)), 401, 'invalid_client', 700027));
    it('an unregistered certificate → 700027', async () => {
      const other = certificateCredential(loadPemCertificate(fixture('other-cert.pem')));
      await expectError(
        certLeg1(await signCertificateAssertion(other, CERT_BLUEPRINT, endpoint)),
        401,
        'invalid_client',
        700027,
      );
    });
    it('a wrong audience → 50027', async () =>
      expectError(
        certLeg1(await craft({ ...good(), aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' })),
        401,
        'invalid_client',
        50027,
      ));
    it('an expired assertion → 700024', async () =>
      expectError(
        certLeg1(await craft({ ...good(), nbf: now() - 4000, exp: now() - 3000 })),
        400,
        'invalid_client',
        700024,
      ));
    it('an assertion not yet valid → 700024', async () =>
      expectError(
        certLeg1(await craft({ ...good(), nbf: now() + 3000, exp: now() + 3600 })),
        400,
        'invalid_client',
        700024,
      ));
    it('sub ≠ iss → 50048', async () =>
      expectError(certLeg1(await craft({ ...good(), sub: BLUEPRINT })), 401, 'invalid_client', 50048));
    it('iss naming another client → 700021', async () =>
      expectError(certLeg1(await craft({ ...good(), iss: BLUEPRINT, sub: BLUEPRINT })), 401, 'invalid_client', 700021));
    it('a malformed assertion → 50027', () => expectError(certLeg1('not-a-jwt'), 400, 'invalid_client', 50027));
  });

  describe('through the core engine', () => {
    let engine: AgentTokenEngine;
    beforeEach(() => (engine = new AgentTokenEngine()));
    afterEach(() => engine.close());
    const req = (over: Partial<AutonomousTokenRequest> = {}) => sandboxRequest(sandbox, over);
    async function entraError(over: Partial<AutonomousTokenRequest>, code: number, status: number) {
      const before = sandbox.requests.length;
      await assert.rejects(engine.getAutonomousToken(req(over)), (e: unknown) => {
        assert.ok(e instanceof EntraError, String(e));
        assert.equal(e.code, code);
        assert.equal(e.httpStatus, status);
        assert.ok(e.traceId && e.correlationId && e.timestamp);
        assert.ok(e.explanation && e.fix);
        assert.ok(!e.message.includes(SECRET));
        return true;
      });
      return sandbox.requests.length - before;
    }
    it('a wrong secret is explained, and not retried', async () =>
      assert.equal(await entraError({ credential: clientSecret('wrong') }, 7000215, 401), 1));
    it('an unknown blueprint', async () =>
      assert.equal(await entraError({ blueprintId: randomUUID() }, 700016, 400), 1));
    it('an agent identity under another blueprint', async () =>
      assert.equal(await entraError({ agentId: CERT_AGENT }, 700016, 400), 1));
    it('an unknown resource, on leg 2', async () =>
      assert.equal(await entraError({ scope: 'api://nowhere/.default' }, 500011, 400), 2));
    it('a disabled agent identity, on leg 2', async () =>
      assert.equal(await entraError({ agentId: DISABLED_AGENT }, 7000112, 400), 2));
    it('an unknown tenant', async () =>
      assert.equal(await entraError({ tenant: 'nowhere.onmicrosoft.com' }, 90002, 400), 0));
  });
});
