import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { SandboxTenant } from '../../src/sandbox/server';
import { AGENT, BLUEPRINT, SANDBOX_TENANT, SECRET, startSandbox } from '../helpers';

/** A raw HTTP request with exactly the headers given (fetch would set Host itself). */
function raw(
  authority: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(authority);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// SECURITY.md, "The sandbox cannot be reached from a web page".
describe('promise: a DNS-rebinding web page cannot use the sandbox', () => {
  let sandbox: SandboxTenant;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.stop());

  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: BLUEPRINT,
    client_secret: SECRET,
    scope: 'api://AzureADTokenExchange/.default',
    fmi_path: AGENT,
  }).toString();
  const path = `/${SANDBOX_TENANT}/oauth2/v2.0/token`;
  const own = () => new URL(sandbox.authority).host;

  it('refuses a Host that is not its own origin, before doing anything', async () => {
    sandbox.clearRecords();
    for (const host of ['attacker.example', `attacker.example:${new URL(sandbox.authority).port}`, '127.0.0.1:1']) {
      const r = await raw(
        sandbox.authority,
        path,
        { host, 'content-type': 'application/x-www-form-urlencoded' },
        'POST',
        form,
      );
      assert.equal(r.status, 403, host);
      assert.match(JSON.parse(r.body).error_description, /only requests for its own origin/);
    }
    const keys = await raw(sandbox.authority, `/${SANDBOX_TENANT}/discovery/v2.0/keys`, {
      host: 'rebind.attacker.example',
    });
    assert.equal(keys.status, 403, 'discovery and keys too');
    assert.equal(sandbox.requests.length, 0, 'no token request was handled');
  });

  it('refuses a request carrying a browser Origin it did not issue', async () => {
    const r = await raw(
      sandbox.authority,
      path,
      { host: own(), origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' },
      'POST',
      form,
    );
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.body).error_description, /web pages/);
  });

  it("promise: refuses any other page of this machine, an opaque origin, and a page's simple GET (Sec-Fetch-Site)", async () => {
    sandbox.clearRecords();
    const port = Number(new URL(sandbox.authority).port);
    const extras: Record<string, string>[] = [
      { origin: 'http://localhost:3000' },
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: `http://localhost:${port}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
    ];
    for (const extra of extras) {
      const r = await raw(
        sandbox.authority,
        path,
        { host: own(), 'content-type': 'application/x-www-form-urlencoded', ...extra },
        'POST',
        form,
      );
      assert.equal(r.status, 403, JSON.stringify(extra));
      assert.match(JSON.parse(r.body).error_description, /web pages/, JSON.stringify(extra));
    }
    assert.equal(sandbox.requests.length, 0, 'no token request was handled');
    for (const site of ['none', 'same-origin']) {
      const r = await raw(
        sandbox.authority,
        path,
        { host: own(), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': site },
        'POST',
        form,
      );
      assert.equal(r.status, 200, site);
    }
  });

  it('answers its own Host (and localhost on its port), as real clients send it', async () => {
    for (const host of [own(), `localhost:${new URL(sandbox.authority).port}`]) {
      const r = await raw(
        sandbox.authority,
        path,
        { host, 'content-type': 'application/x-www-form-urlencoded' },
        'POST',
        form,
      );
      assert.equal(r.status, 200, `${host}: ${r.body}`);
    }
    // msal-node, @azure/identity and undici send the same Host: msalConformance, federated and every engine test pass through this check.
  });
});
