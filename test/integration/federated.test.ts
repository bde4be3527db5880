import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutonomousTokenRequest } from '../../src/core/engine/agentTokens';
import { federatedTokenFile, type BlueprintCredential } from '../../src/core/credentials/credentials';
import { EntraError } from '../../src/core/errors/entraError';
import { CredentialError } from '../../src/core/errors/errors';
import { managedIdentityAssertion } from '../../src/core/credentials/managedIdentity';
import {
  FED_AGENT,
  FED_BLUEPRINT,
  managedIdentitySandbox,
  MI_CLIENT_ID,
  MI_OBJECT_ID,
  SANDBOX_TENANT,
  startSandbox,
  WORKLOAD_SUBJECT,
  sandboxAndEngine,
} from '../helpers';

// Root level: once, after every file (the MI sandbox is shared across files).

describe('federated credentials for the blueprint', () => {
  const live = sandboxAndEngine();
  const dir = mkdtempSync(join(tmpdir(), 'eat-fed-'));

  const request = (credential: BlueprintCredential): AutonomousTokenRequest => ({
    authority: live.sandbox.authority,
    tenant: SANDBOX_TENANT,
    blueprintId: FED_BLUEPRINT,
    agentId: FED_AGENT,
    scope: 'https://graph.microsoft.com/.default',
    credential,
  });
  const tokenFile = async (subject = WORKLOAD_SUBJECT, audience?: string, lifetime?: number) => {
    const path = join(dir, `token-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `${await live.sandbox.externalIssuer.issue(subject, audience, lifetime)}\n`);
    return path;
  };

  describe('a federated token file (workload identity, GitHub Actions OIDC)', () => {
    it('is read fresh and sent as the client assertion', async () => {
      const path = await tokenFile();
      const r = await live.engine.getAutonomousToken(request(federatedTokenFile(path, (p) => readFile(p, 'utf8'))));
      const leg1 = live.sandbox.requests[0]!.params;
      assert.equal(leg1.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      assert.equal(leg1.client_assertion, (await readFile(path, 'utf8')).trim());
      assert.ok(!('client_secret' in leg1));
      assert.equal(r.t1.claims.azpacr, '2');
      assert.equal(r.token.claims.xms_par_app_azp, FED_BLUEPRINT);
      // Rotated by the platform: the next T1 uses the new content.
      writeFileSync(path, await live.sandbox.externalIssuer.issue(WORKLOAD_SUBJECT));
      await live.engine.getAutonomousToken(request(federatedTokenFile(path, (p) => readFile(p, 'utf8'))), {
        forceRefresh: true,
      });
      assert.equal(live.sandbox.requests[2]!.params.client_assertion, (await readFile(path, 'utf8')).trim());
    });

    const cases: [string, () => Promise<string>, number][] = [
      ['an expired token → 700024', () => tokenFile(WORKLOAD_SUBJECT, undefined, -4000), 700024],
      ['another subject → 700213', () => tokenFile('repo:contoso/other:ref:refs/heads/main'), 700213],
      ['another audience → 700212', () => tokenFile(WORKLOAD_SUBJECT, 'api://something-else'), 700212],
    ];
    for (const [what, make, code] of cases) {
      it(what, async () => {
        const path = await make();
        await assert.rejects(
          live.engine.getAutonomousToken(request(federatedTokenFile(path, (p) => readFile(p, 'utf8')))),
          (e: unknown) =>
            e instanceof EntraError && e.code === code && /federated|assertion/i.test(e.explanation + e.description),
        );
      });
    }

    it('an issuer no credential trusts → 700211', async () => {
      const other = await startSandbox();
      try {
        const path = join(dir, 'foreign');
        writeFileSync(path, await other.externalIssuer.issue(WORKLOAD_SUBJECT));
        await assert.rejects(
          live.engine.getAutonomousToken(request(federatedTokenFile(path, (p) => readFile(p, 'utf8')))),
          (e: unknown) => e instanceof EntraError && e.code === 700211,
        );
      } finally {
        await other.stop();
      }
    });

    it('a missing or non-JWT file is a clear credential error, with nothing sent', async () => {
      await assert.rejects(
        federatedTokenFile(join(dir, 'nope'), (p) => readFile(p, 'utf8')).getAssertion(),
        (e: unknown) => e instanceof CredentialError && /cannot be read \(ENOENT\)/.test(e.message),
      );
      const junk = join(dir, 'junk');
      writeFileSync(junk, 'hello');
      await assert.rejects(
        live.engine.getAutonomousToken(request(federatedTokenFile(junk, (p) => readFile(p, 'utf8')))),
        (e: unknown) => e instanceof CredentialError && /does not hold a JWT/.test(e.message),
      );
      assert.equal(live.sandbox.requests.length, 0);
    });
  });

  describe("a managed identity (@azure/identity against the sandbox's App Service MI endpoint)", () => {
    it("gets the MI token for api://AzureADTokenExchange and uses it as the blueprint's assertion", async () => {
      const mi = await managedIdentitySandbox();
      mi.clearRecords();
      const r = await live.engine.getAutonomousToken({
        ...request(managedIdentityAssertion('api://AzureADTokenExchange', MI_CLIENT_ID)),
        authority: mi.authority,
      });
      const assertion = mi.requests[0]!.params.client_assertion!;
      const claims = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString());
      assert.equal(claims.sub, MI_OBJECT_ID);
      assert.equal(claims.aud, 'fb60f99c-7a34-4190-8149-302f77469936');
      assert.equal(r.token.claims.appid, FED_AGENT);
    });
  });
});
