import { graphSignedForm } from '../../src/sandbox/issuer';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import type { SandboxTenant } from '../../src/sandbox/server';
import { fmiSubject } from '../../src/sandbox/issuer';
import { AGENT, AGENT_USER_ID, BLUEPRINT, fixtures, SANDBOX_TENANT, SECRET, startSandbox, tls } from '../helpers';

const run = promisify(execFile);

/** The sandbox must accept what a real client sends: @azure/msal-node (≥ 5.3, fmiPath) over HTTPS. */
describe('msal-node conformance', function () {
  this.timeout(30_000);
  let sandbox: SandboxTenant;
  before(async () => (sandbox = await startSandbox({ tls: tls() })));
  after(() => sandbox.stop());

  it('runs the blueprint → agent chain, and its tokens verify against the sandbox JWKS', async () => {
    const input = {
      authority: sandbox.authority,
      tenant: SANDBOX_TENANT,
      blueprint: BLUEPRINT,
      agent: AGENT,
      secret: SECRET,
      scope: 'https://graph.microsoft.com/.default',
      repeat: 2,
    };
    const { stdout } = await run(process.execPath, [join(fixtures, 'msal-chain.mjs'), JSON.stringify(input)], {
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(fixtures, 'tls/ca.pem') },
    });
    const out = JSON.parse(stdout) as { t1: string; results: { accessToken: string; fromCache: boolean }[] };
    assert.equal(out.results.length, 2);
    assert.equal(out.results[1]!.fromCache, true, 'msal serves the second call from its cache');

    const posts = sandbox.requests;
    assert.equal(posts.length, 2, 'two token requests: T1 and the agent token');
    const [leg1, leg2] = posts;
    assert.equal(leg1!.params.fmi_path, AGENT);
    assert.equal(leg1!.params.client_id, BLUEPRINT);
    assert.equal(leg1!.params.grant_type, 'client_credentials');
    assert.equal(leg2!.params.client_id, AGENT);
    assert.equal(leg2!.params.client_assertion, out.t1);
    assert.ok(leg1!.params['x-client-SKU'], 'msal sends its telemetry parameters, which the sandbox ignores');

    const t1 = await verify(out.t1);
    assert.equal(t1.aud, TOKEN_EXCHANGE_APP_ID);
    assert.equal(t1.sub, fmiSubject(SANDBOX_TENANT, BLUEPRINT, AGENT));
    const final = await verify(out.results[0]!.accessToken);
    assert.equal(final.appid, AGENT);
    assert.equal(final.xms_par_app_azp, BLUEPRINT);
  });

  it('runs the agent-user chain (acquireTokenByUserFederatedIdentityCredential), and its token verifies', async () => {
    sandbox.clearRecords();
    const input = {
      authority: sandbox.authority,
      tenant: SANDBOX_TENANT,
      blueprint: BLUEPRINT,
      agent: AGENT,
      secret: SECRET,
      userObjectId: AGENT_USER_ID,
    };
    const { stdout } = await run(process.execPath, [join(fixtures, 'msal-agent-user.mjs'), JSON.stringify(input)], {
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(fixtures, 'tls/ca.pem') },
    });
    const out = JSON.parse(stdout) as { t2: string; accessToken: string; account: string | null };
    const fic = sandbox.requests.find((r) => r.params.grant_type === 'user_fic');
    assert.ok(fic, 'msal sent a user_fic request');
    assert.equal(fic.params.user_federated_identity_credential, out.t2);
    assert.equal(fic.params.user_id, AGENT_USER_ID);
    assert.equal(fic.params.client_id, AGENT);
    // Our leg 3 sends exactly MSAL's OAuth parameters (its telemetry aside).
    const oauth = Object.keys(fic.params)
      .filter((k) => !k.startsWith('x-') && k !== 'client-request-id')
      .sort();
    assert.deepEqual(oauth, [
      'client_assertion',
      'client_assertion_type',
      'client_id',
      'client_info',
      'grant_type',
      'scope',
      'user_federated_identity_credential',
      'user_id',
    ]);
    assert.deepEqual(fic.params.scope!.split(' ').sort(), [
      'https://graph.microsoft.com/.default',
      'offline_access',
      'openid',
      'profile',
    ]);
    const claims = await verify(out.accessToken);
    assert.equal(claims.oid, AGENT_USER_ID);
    assert.ok(String(claims.xms_sub_fct).split(' ').includes('13'));
    assert.equal(
      out.account,
      'research-agent@sandbox.onmicrosoft.com',
      'msal built its account from our id_token/client_info',
    );
  });

  /** Verifies with the keys the sandbox publishes, fetched over its HTTPS with the test CA trusted. */
  async function verify(token: string) {
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(fixtures, 'tls/ca.pem')) } });
    try {
      const keys = (await (
        await undiciFetch(`${sandbox.authority}/${SANDBOX_TENANT}/discovery/v2.0/keys`, { dispatcher })
      ).json()) as { keys: never[] };
      // A Graph token is signed over its hashed header nonce: verified the way Graph verifies it.
      const { payload } = await jwtVerify(graphSignedForm(token) ?? token, createLocalJWKSet(keys));
      return payload;
    } finally {
      await dispatcher.close();
    }
  }
});
