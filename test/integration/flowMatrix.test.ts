import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireToken, type TokenRequest } from '../../src/core/engine/acquisition';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import type { CredentialHost, CredentialSource } from '../../src/core/credentials/credentialSource';
import type { SandboxTenant } from '../../src/sandbox/server';
import {
  AGENT,
  BLUEPRINT,
  CERT_AGENT,
  CERT_BLUEPRINT,
  FED_AGENT,
  FED_BLUEPRINT,
  fixtures,
  managedIdentitySandbox,
  MI_CLIENT_ID,
  SANDBOX_TENANT,
  SECRET,
  userToken,
  WORKLOAD_SUBJECT,
} from '../helpers';

/**
 * Every flow with every blueprint credential, through the one acquisition service every face calls (acquireToken):
 * the credential as a description, its secrets from a host, against the sandbox.
 */
describe('flow × credential matrix, through acquireToken', () => {
  let sandbox: SandboxTenant;
  const dir = mkdtempSync(join(tmpdir(), 'eat-matrix-'));
  before(async () => (sandbox = await managedIdentitySandbox()));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const host = (secrets: {
    clientSecret?: string;
    certificatePassphrase?: string;
  }): CredentialHost & { warnings: string[] } => {
    const warnings: string[] = [];
    return { warnings, readSecret: async (name) => secrets[name], warn: (w) => warnings.push(w) };
  };
  const credentials: [string, string, string, string, () => Promise<[CredentialSource, CredentialHost]>][] = [
    [
      'client secret',
      BLUEPRINT,
      AGENT,
      'research-agent@sandbox.onmicrosoft.com',
      async () => [{ kind: 'secret' }, host({ clientSecret: SECRET })],
    ],
    [
      'certificate (encrypted PEM, passphrase from the host)',
      CERT_BLUEPRINT,
      CERT_AGENT,
      'cert-agent@sandbox.onmicrosoft.com',
      async () => [
        { kind: 'certificate', path: join(fixtures, 'blueprint-cert-encrypted.pem') },
        host({ certificatePassphrase: 'fixture-passphrase' }),
      ],
    ],
    [
      'federated token file',
      FED_BLUEPRINT,
      FED_AGENT,
      'fed-agent@sandbox.onmicrosoft.com',
      async () => {
        const path = join(dir, `token-${Math.random().toString(36).slice(2)}`);
        writeFileSync(path, await sandbox.externalIssuer.issue(WORKLOAD_SUBJECT));
        return [{ kind: 'federatedTokenFile', path }, host({})];
      },
    ],
    [
      'managed identity',
      FED_BLUEPRINT,
      FED_AGENT,
      'fed-agent@sandbox.onmicrosoft.com',
      async () => [{ kind: 'managedIdentity', clientId: MI_CLIENT_ID }, host({})],
    ],
  ];
  const flows: ('autonomous' | 'obo' | 'agent-user' | 'app')[] = ['autonomous', 'obo', 'agent-user', 'app'];

  for (const [credentialName, blueprintId, agentId, agentUser, make] of credentials) {
    for (const flow of flows) {
      it(`${flow} with a ${credentialName}`, async () => {
        const engine = new AgentTokenEngine();
        try {
          const [credential, credentialHost] = await make();
          const base = { authority: sandbox.authority, tenant: SANDBOX_TENANT, blueprintId, credential };
          const request: TokenRequest =
            flow === 'obo'
              ? {
                  ...base,
                  flow,
                  agentId,
                  scope: 'https://graph.microsoft.com/User.Read',
                  userToken: await userToken(sandbox.authority, `api://${blueprintId}/access_as_user`),
                }
              : flow === 'agent-user'
                ? {
                    ...base,
                    flow,
                    agentId,
                    scope: 'https://graph.microsoft.com/.default',
                    user: { username: agentUser },
                  }
                : flow === 'app'
                  ? { ...base, flow, scope: 'https://graph.microsoft.com/.default' }
                  : { ...base, flow, agentId, scope: 'https://graph.microsoft.com/.default' };
          const r = await acquireToken(engine, request, credentialHost);
          assert.equal(r.flow, flow);
          assert.equal(r.legs.length, flow === 'agent-user' ? 3 : flow === 'app' ? 1 : 2);
          assert.equal(r.t1.claims.azp ?? r.t1.claims.appid, blueprintId);
          if (flow === 'app') {
            // The blueprint's own token: no fmi_path was sent, the token is for Graph and names the blueprint.
            assert.equal(sandbox.requests.at(-1)?.params.fmi_path, undefined);
            assert.equal(r.token.claims.appid, blueprintId);
            assert.equal(r.token.claims.aud, 'https://graph.microsoft.com');
            assert.equal(r.token.claims.xms_par_app_azp, undefined);
            return;
          }
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
