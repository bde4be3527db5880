import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config';
import type { SandboxTenant } from '../../src/sandbox/server';
import { fmiSubject } from '../../src/sandbox/issuer';
import { AGENT, BLUEPRINT, fixtures, SANDBOX_TENANT, SECRET, startSandbox, tls } from '../helpers';

const run = promisify(execFile);

/** The sandbox must accept what a real client sends: @azure/msal-node (≥ 5.3, fmiPath) over HTTPS. */
describe('msal-node conformance', function () {
  this.timeout(30_000);
  let sandbox: SandboxTenant;
  before(async () => (sandbox = await startSandbox({ tls: tls() })));
  after(() => sandbox.stop());

  it('runs the blueprint → agent chain, and its tokens verify against the sandbox JWKS', async () => {
    const input = { authority: sandbox.authority, tenant: SANDBOX_TENANT, blueprint: BLUEPRINT, agent: AGENT, secret: SECRET, scope: 'https://graph.microsoft.com/.default', repeat: 2 };
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

  /** Verifies with the keys the sandbox publishes, fetched over its HTTPS with the test CA trusted. */
  async function verify(token: string) {
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(fixtures, 'tls/ca.pem')) } });
    try {
      const keys = (await (await undiciFetch(`${sandbox.authority}/${SANDBOX_TENANT}/discovery/v2.0/keys`, { dispatcher })).json()) as { keys: never[] };
      const { payload } = await jwtVerify(token, createLocalJWKSet(keys));
      return payload;
    } finally {
      await dispatcher.close();
    }
  }
});
