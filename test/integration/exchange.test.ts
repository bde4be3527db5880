import { graphSignedForm } from '../../src/sandbox/issuer';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { certificateCredential, loadPemCertificate } from '../../src/core/credentials/credentials';
import { fmiSubject } from '../../src/sandbox/issuer';
import {
  AGENT,
  ASSERTION_TYPE,
  BLUEPRINT,
  CERT_AGENT,
  CERT_BLUEPRINT,
  fixture,
  LEGACY_API,
  SANDBOX_TENANT,
  sandboxRequest,
  SECRET,
  startSandbox,
  testCa,
  tls,
  sandboxAndEngine,
} from '../helpers';

describe('autonomous exchange against the sandbox', () => {
  const live = sandboxAndEngine();

  const request = (over: Parameters<typeof sandboxRequest>[1] = {}) => sandboxRequest(live.sandbox, over);

  it('sends exactly the documented parameters on each leg (client secret)', async () => {
    const result = await live.engine.getAutonomousToken(request());
    assert.equal(live.sandbox.requests.length, 2);
    const [leg1, leg2] = live.sandbox.requests;
    assert.deepEqual(leg1!.params, {
      client_id: BLUEPRINT,
      scope: 'api://AzureADTokenExchange/.default',
      fmi_path: AGENT,
      grant_type: 'client_credentials',
      client_secret: SECRET,
    });
    assert.deepEqual(leg2!.params, {
      client_id: AGENT,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: result.legs[0]!.token.raw,
    });
    assert.equal(leg1!.tenant, SANDBOX_TENANT);
  });

  it('returns both tokens decoded, the expiry and a redacted record per leg', async () => {
    const started = Date.now();
    const result = await live.engine.getAutonomousToken(request());
    assert.equal(result.flow, 'autonomous');
    assert.equal(result.fromCache, false);
    assert.equal(result.accessToken, result.token.raw);
    const t1 = result.t1.claims;
    assert.equal(t1.aud, TOKEN_EXCHANGE_APP_ID);
    assert.equal(t1.azp, BLUEPRINT);
    assert.equal(t1.azpacr, '1');
    assert.equal(t1.sub, fmiSubject(SANDBOX_TENANT, BLUEPRINT, AGENT));
    assert.equal(t1.idtyp, 'app');
    assert.equal((t1.exp as number) - (t1.iat as number), 3900);
    const final = result.token.claims;
    assert.equal(final.aud, 'https://graph.microsoft.com');
    assert.equal(final.appid, AGENT);
    assert.equal(final.xms_par_app_azp, BLUEPRINT);
    assert.equal(final.idtyp, 'app');
    assert.equal(final.oid, AGENT);
    assert.ok(String(final.xms_act_fct).split(' ').includes('11'));
    assert.ok(String(final.xms_sub_fct).split(' ').includes('11'));
    assert.deepEqual(final.roles, ['User.Read.All']);
    const expected = started + 29100 * 1000;
    assert.ok(Math.abs(result.expiresOn.getTime() - expected) < 5000, 'expiresOn follows expires_in');
    assert.deepEqual(
      result.legs.map((l) => [l.name, l.status, l.attempts, l.cached]),
      [
        ['blueprint', 200, 1, false],
        ['agent', 200, 1, false],
      ],
    );
    assert.equal(result.legs[0]!.parameters.client_secret, '[redacted]');
    assert.equal(result.legs[1]!.parameters.client_assertion, '[redacted]');
    assert.equal(result.legs[1]!.parameters.client_id, AGENT);
    assert.ok(!JSON.stringify(result.legs.map((l) => l.parameters)).includes(SECRET));
  });

  it('rides one connection for both legs', async () => {
    await live.engine.getAutonomousToken(request());
    assert.equal(live.sandbox.connectionCount, 1);
    assert.equal(new Set(live.sandbox.requests.map((r) => r.connectionId)).size, 1);
  });

  it('issues v2 tokens for v2 resources, with the roles granted', async () => {
    const result = await live.engine.getAutonomousToken({ ...request(), scope: 'api://sandbox-weather/.default' });
    assert.equal(result.token.claims.ver, '2.0');
    assert.equal(result.token.claims.azp, AGENT);
    assert.equal(result.token.claims.azpacr, '2');
    assert.deepEqual(result.token.claims.roles, ['Forecast.Read']);
    assert.equal(result.token.claims.iss, `${live.sandbox.authority}/${SANDBOX_TENANT}/v2.0`);
  });

  it('works with the tenant domain instead of its id', async () => {
    const result = await live.engine.getAutonomousToken({ ...request(), tenant: 'sandbox.onmicrosoft.com' });
    assert.equal(result.token.claims.tid, SANDBOX_TENANT);
  });

  it('issues tokens that verify against the tenant JWKS found through discovery (v1 and v2)', async () => {
    const result = await live.engine.getAutonomousToken(request({ scope: `${LEGACY_API}/.default` }));
    assert.equal(result.token.claims.ver, '1.0');
    for (const [token, configPath] of [
      [result.t1.raw, 'v2.0/.well-known/openid-configuration'],
      [result.token.raw, '.well-known/openid-configuration'],
    ] as const) {
      const config = (await (await fetch(`${live.sandbox.authority}/${SANDBOX_TENANT}/${configPath}`)).json()) as {
        issuer: string;
        jwks_uri: string;
      };
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(config.jwks_uri)), {
        issuer: config.issuer,
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.ok(protectedHeader.kid);
      assert.equal(payload.tid, SANDBOX_TENANT);
    }
  });

  it('signs Graph tokens as Entra does: a header nonce, the signature over its hash (only Graph can verify them)', async () => {
    const result = await live.engine.getAutonomousToken(request({ scope: 'https://graph.microsoft.com/.default' }));
    const nonce = result.token.header.nonce;
    assert.equal(typeof nonce, 'string');
    assert.equal(result.t1.header.nonce, undefined, 'T1 (not for Graph) has no nonce');
    const config = (await (
      await fetch(`${live.sandbox.authority}/${SANDBOX_TENANT}/.well-known/openid-configuration`)
    ).json()) as { jwks_uri: string };
    const keys = createRemoteJWKSet(new URL(config.jwks_uri));
    await assert.rejects(jwtVerify(result.accessToken, keys), /signature verification failed/);
    // With the nonce hashed in place (what Graph does), the same key verifies it.
    const { payload } = await jwtVerify(graphSignedForm(result.accessToken)!, keys);
    assert.equal(payload.aud, 'https://graph.microsoft.com');
    assert.equal(graphSignedForm(result.t1.raw), undefined);
  });

  for (const alg of ['PS256', 'RS256'] as const) {
    it(`authenticates the blueprint with a certificate assertion (${alg})`, async () => {
      const credential = certificateCredential(
        loadPemCertificate(fixture('blueprint-cert-encrypted.pem'), 'fixture-passphrase'),
        alg,
      );
      const result = await live.engine.getAutonomousToken({
        ...request(),
        blueprintId: CERT_BLUEPRINT,
        agentId: CERT_AGENT,
        scope: 'api://sandbox-weather/.default',
        credential,
      });
      const leg1 = live.sandbox.requests[0]!.params;
      assert.deepEqual(Object.keys(leg1).sort(), [
        'client_assertion',
        'client_assertion_type',
        'client_id',
        'fmi_path',
        'grant_type',
        'scope',
      ]);
      assert.equal(leg1.client_assertion_type, ASSERTION_TYPE);
      assert.equal(result.t1.claims.azpacr, '2');
      assert.equal(result.token.claims.xms_par_app_azp, CERT_BLUEPRINT);
    });
  }

  it('works over HTTPS with one TLS handshake for both legs', async () => {
    const secure = await startSandbox({ tls: tls() });
    const client = new AgentTokenEngine({ ca: testCa() });
    try {
      const result = await client.getAutonomousToken({ ...request(), authority: secure.authority });
      assert.equal(result.legs.length, 2);
      assert.equal(secure.requests.length, 2);
      assert.equal(secure.connectionCount, 1);
    } finally {
      await client.close();
      await secure.stop();
    }
  });
});
