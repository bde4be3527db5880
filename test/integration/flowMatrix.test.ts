import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentTokenEngine, type AgentFlow, type AutonomousTokenRequest } from '../../src/core/agentTokens';
import { certificateCredential, clientSecret, federatedTokenFile, loadPemCertificate, type BlueprintCredential } from '../../src/core/credentials';
import { managedIdentityAssertion } from '../../src/core/managedIdentity';
import type { SandboxTenant } from '../../src/sandbox/server';
import { AGENT, BLUEPRINT, CERT_AGENT, CERT_BLUEPRINT, FED_AGENT, FED_BLUEPRINT, fixture, managedIdentitySandbox, MI_CLIENT_ID, SANDBOX_TENANT, SECRET, userToken, WORKLOAD_SUBJECT } from '../helpers';

/** Every flow with every blueprint credential, through the core, against the sandbox. */
describe('flow × credential matrix', () => {
  let sandbox: SandboxTenant;
  before(async () => (sandbox = await managedIdentitySandbox()));

  const credentials: [string, string, string, string, () => Promise<BlueprintCredential>][] = [
    ['client secret', BLUEPRINT, AGENT, 'research-agent@sandbox.onmicrosoft.com', async () => clientSecret(SECRET)],
    ['certificate', CERT_BLUEPRINT, CERT_AGENT, 'cert-agent@sandbox.onmicrosoft.com', async () => certificateCredential(loadPemCertificate(fixture('blueprint-cert.pem')))],
    ['federated token file', FED_BLUEPRINT, FED_AGENT, 'fed-agent@sandbox.onmicrosoft.com', async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'eat-matrix-')), 'token');
      writeFileSync(path, await sandbox.externalIssuer.issue(WORKLOAD_SUBJECT));
      return federatedTokenFile(path, (p) => readFile(p, 'utf8'));
    }],
    ['managed identity', FED_BLUEPRINT, FED_AGENT, 'fed-agent@sandbox.onmicrosoft.com', async () => managedIdentityAssertion('api://AzureADTokenExchange', MI_CLIENT_ID)],
  ];
  const flows: AgentFlow[] = ['autonomous', 'obo', 'agent-user'];

  for (const [credentialName, blueprintId, agentId, agentUser, credential] of credentials) {
    for (const flow of flows) {
      it(`${flow} with a ${credentialName}`, async () => {
        const engine = new AgentTokenEngine();
        try {
          const base: AutonomousTokenRequest = { authority: sandbox.authority, tenant: SANDBOX_TENANT, blueprintId, agentId, scope: 'https://graph.microsoft.com/.default', credential: await credential() };
          const r =
            flow === 'obo'
              ? await engine.getOnBehalfOfToken({ ...base, scope: 'https://graph.microsoft.com/User.Read', userToken: await userToken(sandbox.authority, `api://${blueprintId}/access_as_user`) })
              : flow === 'agent-user'
                ? await engine.getAgentUserToken({ ...base, username: agentUser })
                : await engine.getAutonomousToken(base);
          assert.equal(r.flow, flow);
          assert.equal(r.legs.length, flow === 'agent-user' ? 3 : 2);
          assert.equal(r.t1.claims.azp, blueprintId);
          assert.equal(r.token.claims.appid, agentId);
          assert.equal(r.token.claims.xms_par_app_azp, blueprintId);
          assert.equal(r.token.claims.idtyp, flow === 'autonomous' ? 'app' : 'user');
          if (flow === 'agent-user') assert.equal(r.token.claims.upn, agentUser);
        } finally {
          await engine.close();
        }
      });
    }
  }
});
