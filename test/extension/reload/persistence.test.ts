import assert from 'node:assert/strict';
import { CommandId } from '../../../src/extension/commands/ids';
import { api, run, treeRows } from '../helpers';
import { SECOND_AGENT, SECOND_BLUEPRINT } from '../../helpers';

describe('after a window reload', () => {
  it('the blueprint and agent identity are still there, with the secret still in SecretStorage', async () => {
    const rows = await treeRows();
    assert.deepEqual(
      rows.map((r) => [r.depth, r.label]),
      [
        [0, 'Persistent Blueprint'],
        [1, 'Persistent Agent'],
      ],
    );
    assert.deepEqual(await (await api()).storedSecrets(SECOND_BLUEPRINT), ['clientSecret']);
  });

  it('the sandbox is not running (it lives in memory only)', async () => {
    assert.ok(!(await treeRows()).some((r) => r.contextValue.endsWith('.sandbox')));
  });

  it('cleans up', async () => {
    assert.equal(await run(CommandId.removeAgentIdentity, { agentId: SECOND_AGENT }), true);
    assert.equal(await run(CommandId.removeBlueprint, { blueprintId: SECOND_BLUEPRINT }), true);
    assert.deepEqual(await treeRows(), []);
  });
});
