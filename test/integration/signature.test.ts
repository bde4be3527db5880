import { b64 } from '../jwtText';
import assert from 'node:assert/strict';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { decodeToken } from '../../src/core/tokens/jwt';
import { SignatureVerifier } from '../../src/core/tokens/signature';
import type { SandboxTenant } from '../../src/sandbox/server';
import { AGENT, BLUEPRINT, LEGACY_API, SANDBOX_TENANT, sandboxRequest, SECRET, startSandbox } from '../helpers';

describe('signature verification against the issuer keys', () => {
  let sandbox: SandboxTenant;
  let t1: string;
  /** A v1 token (not Graph's): anyone can verify it. */
  let final: string;
  /** A Graph token: a header nonce, signed over its hash. */
  let graph: string;
  before(async () => {
    sandbox = await startSandbox();
    const engine = new AgentTokenEngine();
    const r = await engine.getAutonomousToken(sandboxRequest(sandbox, { scope: `${LEGACY_API}/.default` }));
    graph = (await engine.getAutonomousToken(sandboxRequest(sandbox))).accessToken;
    await engine.close();
    t1 = r.t1.raw;
    final = r.accessToken;
  });
  after(() => sandbox.stop());
  const verifier = () => new SignatureVerifier({ sandboxOrigin: () => sandbox.authority });

  it("says the sandbox's own Graph tokens are not verifiable by design, as it says of real ones", async () => {
    const result = await verifier().verify(decodeToken(graph));
    assert.equal(result.status, 'not-verifiable', JSON.stringify(result));
  });

  it('verifies v2 (T1) and v1 sandbox tokens through discovery, naming kid and JWKS', async () => {
    const v = verifier();
    for (const raw of [t1, final]) {
      const result = await v.verify(decodeToken(raw));
      assert.equal(result.status, 'verified', JSON.stringify(result));
      if (result.status === 'verified') {
        assert.equal(result.kid, decodeToken(raw).header.kid);
        assert.match(result.jwksUri, new RegExp(`^${sandbox.authority}/${SANDBOX_TENANT}/discovery/(v2\\.0/)?keys$`));
      }
    }
  });

  it('fails an altered token, and one signed by a key the issuer does not publish', async () => {
    const [h, p, s] = final.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const altered = await verifier().verify(
      decodeToken(`${h}.${b64({ ...claims, roles: ['Directory.ReadWrite.All'] })}.${s}`),
    );
    assert.equal(altered.status, 'failed');
    assert.match((altered as { reason: string }).reason, /altered/);
    const other = await startSandbox();
    try {
      const res = await fetch(`${other.authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: BLUEPRINT,
          client_secret: SECRET,
          grant_type: 'client_credentials',
          scope: 'api://AzureADTokenExchange/.default',
          fmi_path: AGENT,
        }),
      });
      const foreign = String(((await res.json()) as { access_token: string }).access_token);
      // Claim our sandbox as issuer: the kid is unknown there.
      const [fh, fp, fs] = foreign.split('.');
      const fclaims = JSON.parse(Buffer.from(fp!, 'base64url').toString());
      const forged = `${fh}.${b64({ ...fclaims, iss: `${sandbox.authority}/${SANDBOX_TENANT}/v2.0` })}.${fs}`;
      const r = await verifier().verify(decodeToken(forged));
      assert.equal(r.status, 'failed');
      assert.match((r as { reason: string }).reason, /No key with kid/);
    } finally {
      await other.stop();
    }
  });

  it('says "not verifiable by design" for a token whose header has a nonce (Graph)', async () => {
    const [, p, s] = final.split('.');
    const r = await verifier().verify(
      decodeToken(`${b64({ typ: 'JWT', nonce: 'abc', alg: 'RS256', kid: 'x' })}.${p}.${s}`),
    );
    assert.equal(r.status, 'not-verifiable');
    assert.match((r as { reason: string }).reason, /Graph/);
  });

  it('fetches keys only from allowed hosts', async () => {
    const r = await verifier().verify(
      decodeToken(`${b64({ alg: 'RS256', kid: 'x' })}.${b64({ iss: 'https://attacker.example/t/v2.0' })}.c2ln`),
    );
    assert.equal(r.status, 'unavailable');
    assert.match((r as { reason: string }).reason, /attacker\.example is none of these/);
  });

  it('reports a failed unsigned token and an issuer without metadata', async () => {
    assert.equal(
      (await verifier().verify(decodeToken(`${b64({ alg: 'none' })}.${b64({ iss: 'x' })}.`))).status,
      'failed',
    );
    assert.equal(
      (await verifier().verify(decodeToken(`${b64({ alg: 'RS256' })}.${b64({ iss: 'urn:x' })}.c2ln`))).status,
      'unavailable',
    );
  });
});
