// Secrets never leave SecretStorage (issue 7). The runner (test/vscode/runExtensionTests.ts) made unique marker values
// (a client secret, a wrong one, a certificate passphrase, a wrong one) and a PEM whose key is encrypted with the
// marker passphrase. This suite runs every command on success and failure paths with them; after both phases the
// runner scans the user-data folder, the extensions folder, the workspace and the export for every marker.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxTenant } from '../../src/sandbox/server';
import { CommandId } from '../../src/extension/commands/ids';
import { api, run, treeRows } from './helpers';
import { AGENT, BLUEPRINT, CERT_AGENT, CERT_BLUEPRINT, SANDBOX_TENANT, testDirectory } from '../helpers';

export interface SecretMarkers {
  clientSecret: string;
  wrongSecret: string;
  passphrase: string;
  wrongPassphrase: string;
  /** A slice of the private key's own bytes (base64 of its PKCS#8 DER). */
  keyBytes: string;
  /** A slice of the key as encrypted in the PEM file. */
  encryptedKeyBytes: string;
  /** The fixture certificate with its key encrypted under `passphrase`. */
  pemPath: string;
  exportPath: string;
}

function markers(): SecretMarkers {
  return JSON.parse(readFileSync(join(process.env.EAT_TEST_RESULTS_DIR!, 'markers.json'), 'utf8')) as SecretMarkers;
}

describe('secrets never leave SecretStorage: every command, with marker secrets', () => {
  const m = markers();
  let sandbox: SandboxTenant;
  before(async () => {
    await api();
    const directory = testDirectory();
    directory.tenants[0]!.blueprints[0]!.clientSecrets = [m.clientSecret];
    sandbox = await SandboxTenant.start({ directory });
  });
  after(() => sandbox.stop());

  it('a client-secret blueprint: add, get, copy, inspect, a wrong secret, the right one again', async () => {
    const added = await run(CommandId.addBlueprint, {
      tenant: SANDBOX_TENANT,
      clientId: BLUEPRINT,
      displayName: 'Marker Blueprint',
      credentialKind: 'secret',
      clientSecret: m.clientSecret,
      authority: sandbox.authority,
    });
    assert.equal(added?.clientId, BLUEPRINT);
    await run(CommandId.addAgentIdentity, { blueprintId: BLUEPRINT, clientId: AGENT, displayName: 'Marker Agent' });
    const token = await run(CommandId.getAgentToken, { agentId: AGENT });
    assert.equal(token?.claims.appid, AGENT);
    assert.equal(
      sandbox.requests.at(-2)?.params.client_secret,
      m.clientSecret,
      'the marker secret reached the token endpoint',
    );
    assert.equal(await run(CommandId.copyAccessToken, { agentId: AGENT, scope: token.scope }), true);
    assert.ok(await run(CommandId.inspectToken, { token: token.accessToken }));
    await run(CommandId.setBlueprintCredential, { blueprintId: BLUEPRINT, clientSecret: m.wrongSecret });
    assert.equal(
      await run(CommandId.getAgentToken, { agentId: AGENT, forceRefresh: true, openInspector: false }),
      undefined,
      'a wrong secret fails',
    );
    assert.equal(sandbox.requests.at(-1)?.params.client_secret, m.wrongSecret);
    assert.ok((await treeRows()).some((r) => r.contextValue.startsWith('failure')));
    await run(CommandId.setBlueprintCredential, { blueprintId: BLUEPRINT, clientSecret: m.clientSecret });
    assert.ok(await run(CommandId.getAgentToken, { agentId: AGENT, forceRefresh: true, openInspector: false }));
  });

  it('a certificate blueprint: a wrong passphrase is refused, the right one signs assertions', async () => {
    const args = {
      tenant: SANDBOX_TENANT,
      clientId: CERT_BLUEPRINT,
      displayName: 'Marker Certificate Blueprint',
      credentialKind: 'certificate' as const,
      certificatePath: m.pemPath,
      authority: sandbox.authority,
    };
    assert.equal(
      await run(CommandId.addBlueprint, { ...args, certificatePassphrase: m.wrongPassphrase }),
      undefined,
      'a wrong passphrase saves nothing',
    );
    assert.ok(!(await treeRows()).some((r) => r.label === args.displayName));
    assert.ok(await run(CommandId.addBlueprint, { ...args, certificatePassphrase: m.passphrase }));
    await run(CommandId.addAgentIdentity, {
      blueprintId: CERT_BLUEPRINT,
      clientId: CERT_AGENT,
      displayName: 'Marker Certificate Agent',
    });
    const token = await run(CommandId.getAgentToken, { agentId: CERT_AGENT, openInspector: false });
    assert.equal(token?.claims.appid, CERT_AGENT);
    assert.equal(
      sandbox.requests.at(-2)?.params.client_assertion_type,
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    assert.equal(
      await run(CommandId.setBlueprintCredential, {
        blueprintId: CERT_BLUEPRINT,
        credentialKind: 'certificate',
        certificatePath: m.pemPath,
        certificatePassphrase: m.wrongPassphrase,
      }),
      undefined,
      'a wrong passphrase replaces nothing',
    );
    assert.ok(
      await run(CommandId.getAgentToken, { agentId: CERT_AGENT, forceRefresh: true, openInspector: false }),
      'the stored passphrase still works',
    );
    assert.deepEqual(await (await api()).storedSecrets(CERT_BLUEPRINT), ['certificatePassphrase']);
  });

  it('the agent sidecar: a token over HTTP, a wrong secret refused without it in the answer, then stopped', async () => {
    const settings = vscode.workspace.getConfiguration('entraAgentTokens');
    await settings.update('sidecar.port', 0, vscode.ConfigurationTarget.Global);
    try {
      const status = await run(CommandId.startSidecar, { blueprintId: BLUEPRINT });
      assert.ok(status, 'the sidecar started for the marker blueprint');
      const ask = () =>
        fetch(
          `${status.url}/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=${AGENT}&optionsOverride.AcquireTokenOptions.ForceRefresh=true&optionsOverride.RequestAppToken=true`,
        );
      const ok = await ask();
      assert.equal(ok.status, 200);
      await ok.text();
      assert.equal(sandbox.requests.at(-2)?.params.client_secret, m.clientSecret);
      await run(CommandId.setBlueprintCredential, { blueprintId: BLUEPRINT, clientSecret: m.wrongSecret });
      const refused = await ask();
      assert.equal(refused.status, 401);
      const problem = await refused.text();
      assert.match(problem, /AADSTS7000215/);
      assert.ok(!problem.includes(m.wrongSecret) && !problem.includes(m.clientSecret), 'no secret in the answer');
      await run(CommandId.setBlueprintCredential, { blueprintId: BLUEPRINT, clientSecret: m.clientSecret });
      assert.ok(await run(CommandId.copySidecarSettings));
      assert.equal(await run(CommandId.stopSidecar), true);
    } finally {
      await run(CommandId.stopSidecar);
      await settings.update('sidecar.port', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('edit, refresh, log, export, import, the built-in sandbox, then remove: every other command', async () => {
    assert.equal(
      (await run(CommandId.editBlueprint, { blueprintId: BLUEPRINT, displayName: 'Marker Blueprint (edited)' }))
        ?.displayName,
      'Marker Blueprint (edited)',
    );
    await run(CommandId.refresh);
    await run(CommandId.showLog);
    const exported = await run(CommandId.exportDefinitions, { path: m.exportPath });
    assert.equal(exported?.blueprints.length, 2);
    const imported = await run(CommandId.importDefinitions, { path: m.exportPath });
    assert.deepEqual(imported?.blueprints, [], 'both are already there: skipped');
    assert.equal(await run(CommandId.removeAgentIdentity, { agentId: AGENT }), true);
    assert.equal(await run(CommandId.removeBlueprint, { blueprintId: BLUEPRINT }), true);
    assert.equal(await run(CommandId.removeBlueprint, { blueprintId: CERT_BLUEPRINT }), true);
    assert.deepEqual(await treeRows(), []);
    assert.deepEqual(await (await api()).storedSecrets(BLUEPRINT), []);
    // The built-in sandbox uses the same blueprint id as the marker blueprint: after it is gone.
    const status = await run(CommandId.startSandbox);
    assert.ok(status?.agentIds.length);
    assert.ok(await run(CommandId.getAgentToken, { agentId: status.agentIds[1], openInspector: false }));
    assert.equal(await run(CommandId.stopSandbox, { confirmed: true }), true);
  });
});
