import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateTokenRequest } from '../../src/core/engine/acquisition';
import { cloudOfAuthority } from '../../src/core/config/clouds';
import { resolveCredential, type CredentialHost } from '../../src/core/credentials/credentialSource';
import { ConfigError, CredentialError } from '../../src/core/errors/errors';
import type { AgentDefinition, BlueprintDefinition } from '../../src/extension/definitions/definitionRules';
import { validateAgent } from '../../src/extension/definitions/definitionRules';
import {
  agentTokenRequest,
  blueprintAppTokenRequest,
  credentialSourceOf,
  legsDestination,
} from '../../src/extension/tokens/tokenRequests';
import { fixtures } from '../helpers';

const host = (secrets: Record<string, string | undefined> = {}): CredentialHost & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, readSecret: async (name) => secrets[name], warn: (w) => warnings.push(w) };
};

describe('one acquisition service: requests and credentials', () => {
  const blueprint: BlueprintDefinition = {
    clientId: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
    displayName: 'B',
    tenant: 'contoso.onmicrosoft.com',
    authority: 'https://login.microsoftonline.com',
    credentialKind: 'certificate',
    certificatePath: '/keys/b.pem',
    assertionAlgorithm: 'RS256',
  };
  const agent: AgentDefinition = {
    clientId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    blueprintId: blueprint.clientId,
    displayName: 'A',
    defaultScope: 'https://graph.microsoft.com/.default',
  };

  it("sends every leg to the agent's home tenant when it has one, else the blueprint's (AADSTS700211 otherwise)", () => {
    assert.equal(
      agentTokenRequest(blueprint, agent, agent.defaultScope, { flow: 'autonomous' }).tenant,
      'contoso.onmicrosoft.com',
    );
    const elsewhere = validateAgent({ ...agent, tenant: 'Fabrikam.onmicrosoft.com' });
    assert.equal(elsewhere.tenant, 'fabrikam.onmicrosoft.com');
    assert.equal(
      agentTokenRequest(blueprint, elsewhere, agent.defaultScope, { flow: 'autonomous' }).tenant,
      'fabrikam.onmicrosoft.com',
    );
    assert.match(legsDestination(blueprint, agent), /^every leg goes to tenant contoso\.onmicrosoft\.com at /);
    assert.match(
      legsDestination(blueprint, elsewhere),
      /tenant fabrikam\.onmicrosoft\.com, the agent's home tenant \(the blueprint's is contoso\.onmicrosoft\.com\)/,
    );
    assert.equal(
      blueprintAppTokenRequest(blueprint, 'https://graph.microsoft.com/.default').tenant,
      'contoso.onmicrosoft.com',
      "the app token is the blueprint's own",
    );
    assert.throws(
      () => validateAgent({ ...agent, tenant: 'common' }),
      (e: unknown) => e instanceof ConfigError && e.field === 'Agent home tenant',
    );
  });

  it("describes each definition's credential without a secret in it", () => {
    assert.deepEqual(credentialSourceOf(blueprint), { kind: 'certificate', path: '/keys/b.pem', algorithm: 'RS256' });
    assert.deepEqual(credentialSourceOf({ ...blueprint, credentialKind: 'secret' }), { kind: 'secret' });
    assert.deepEqual(
      credentialSourceOf({ ...blueprint, credentialKind: 'managedIdentity', managedIdentityClientId: 'x' }),
      { kind: 'managedIdentity', clientId: 'x' },
    );
    assert.deepEqual(
      credentialSourceOf({ ...blueprint, credentialKind: 'federatedTokenFile', federatedTokenFile: '/var/run/t' }),
      { kind: 'federatedTokenFile', path: '/var/run/t' },
    );
  });

  it('maps each flow choice to its request', () => {
    const agentUser = agentTokenRequest(blueprint, agent, 'https://graph.microsoft.com/.default', {
      flow: 'agent-user',
      user: { userId: 'u', username: 'n@x.y' },
    });
    assert.deepEqual(
      agentUser.flow === 'agent-user' && agentUser.user,
      { userId: 'u' },
      'the object id when there is one (as MSAL.NET prefers)',
    );
    const byName = agentTokenRequest(blueprint, agent, 'https://graph.microsoft.com/.default', {
      flow: 'agent-user',
      user: { username: 'n@x.y' },
    });
    assert.deepEqual(byName.flow === 'agent-user' && byName.user, { username: 'n@x.y' });
    const obo = agentTokenRequest(blueprint, agent, 'https://graph.microsoft.com/User.Read', {
      flow: 'obo',
      userToken: 'T',
    });
    assert.equal(obo.flow === 'obo' && obo.userToken, 'T');
  });

  it('checks a request before anything is read, naming fields the way the face does', () => {
    const request = { ...agentTokenRequest(blueprint, agent, 'User.Read', { flow: 'autonomous' }) };
    assert.throws(
      () => validateTokenRequest(request, { scope: '--scope' }),
      (e: unknown) => e instanceof ConfigError && e.field === '--scope',
    );
    assert.throws(
      () =>
        validateTokenRequest(
          { ...request, flow: 'app', scope: 'https://graph.microsoft.com/.default', blueprintId: 'nope' },
          { blueprint: '--blueprint' },
        ),
      (e: unknown) => e instanceof ConfigError && e.field === '--blueprint',
    );
  });

  it('resolves credentials through the host: a missing secret, a certificate and its passphrase, each error naming its part', async () => {
    await assert.rejects(
      resolveCredential({ kind: 'secret' }, 'api://AzureADTokenExchange', host()),
      (e: unknown) => e instanceof CredentialError && e.part === 'secret',
    );
    const cert = await resolveCredential(
      { kind: 'certificate', path: join(fixtures, 'blueprint-cert-encrypted.pem') },
      'api://AzureADTokenExchange',
      host({ certificatePassphrase: 'fixture-passphrase' }),
    );
    assert.equal(cert.kind, 'certificate');
    await assert.rejects(
      resolveCredential(
        { kind: 'certificate', path: join(fixtures, 'blueprint-cert-encrypted.pem') },
        'x',
        host({ certificatePassphrase: 'wrong' }),
      ),
      (e: unknown) => e instanceof CredentialError && e.part === 'certificate' && /cannot be decrypted/.test(e.message),
    );
    await assert.rejects(
      resolveCredential({ kind: 'certificate', path: '/nonexistent.pem' }, 'x', host()),
      (e: unknown) =>
        e instanceof CredentialError &&
        e.part === 'certificate' &&
        /cannot read \/nonexistent\.pem \(ENOENT\)/.test(e.message),
    );
  });

  it('knows each cloud by its sign-in host, in core/config/clouds.ts only', () => {
    assert.equal(cloudOfAuthority('https://login.microsoftonline.us').ficAudience, 'api://AzureADTokenExchangeUSGov');
    assert.equal(cloudOfAuthority('https://login.chinacloudapi.cn').name, 'china');
    assert.equal(cloudOfAuthority('https://login.partner.microsoftonline.cn').name, 'china');
    assert.equal(cloudOfAuthority('http://127.0.0.1:8080').name, 'public');
    assert.equal(cloudOfAuthority('not a url').name, 'public');
  });
});
