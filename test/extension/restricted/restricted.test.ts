// Restricted Mode (issue 7): the runner opens the hostile workspace with workspace trust on, so it is untrusted. The
// extension declares untrustedWorkspaces: supported (nothing from a workspace reaches a credential): it must work
// here as in a trusted window, and the workspace's attempt to widen the authority allow-list must count for nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { SandboxTenant } from '../../../src/sandbox/server';
import { CommandId } from '../../../src/extension/commands/ids';
import { api, EXTENSION_ID, run, treeRows } from '../helpers';
import { SECOND_AGENT, SECOND_BLUEPRINT, SECOND_TENANT, SECRET, testDirectory } from '../../helpers';

describe('in Restricted Mode (an untrusted workspace)', () => {
  let sandbox: SandboxTenant;
  before(async () => (sandbox = await SandboxTenant.start({ directory: testDirectory() })));
  after(() => sandbox.stop());

  it('the workspace is untrusted and tries to widen the allow-list; the extension is active with every command', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the window is in Restricted Mode');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(
      folder && readFileSync(join(folder, '.vscode', 'settings.json'), 'utf8').includes('login.attacker.example'),
      'the workspace tries',
    );
    await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { commands: { command: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), command);
  });

  it("refuses the workspace's host, and gets a token from an allowed one", async () => {
    const args = {
      tenant: SECOND_TENANT,
      clientId: SECOND_BLUEPRINT,
      displayName: 'Restricted Blueprint',
      credentialKind: 'secret' as const,
      clientSecret: SECRET,
    };
    assert.equal(
      await run(CommandId.addBlueprint, { ...args, authority: 'https://login.attacker.example' }),
      undefined,
    );
    assert.deepEqual(await treeRows(), []);
    assert.ok(await run(CommandId.addBlueprint, { ...args, authority: sandbox.authority }));
    await run(CommandId.addAgentIdentity, {
      blueprintId: SECOND_BLUEPRINT,
      clientId: SECOND_AGENT,
      displayName: 'Restricted Agent',
    });
    const token = await run(CommandId.getAgentToken, { agentId: SECOND_AGENT, openInspector: false });
    assert.equal(token?.claims.appid, SECOND_AGENT);
    assert.equal(
      sandbox.requests.filter((r) => r.params.client_secret !== undefined).length,
      1,
      'the secret went to the allowed host only',
    );
    assert.equal(await run(CommandId.removeBlueprint, { blueprintId: SECOND_BLUEPRINT }), true);
  });
});
