import assert from 'node:assert/strict';
import { COPY_KINDS, parseWebviewMessage } from '../../src/webview/protocol';

describe('the inspector protocol: what the host accepts from its webview', () => {
  it('accepts the known messages, with their ids', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    for (const what of Object.keys(COPY_KINDS))
      assert.deepEqual(parseWebviewMessage({ type: 'copy', id: 3, what }), { type: 'copy', id: 3, what });
    assert.deepEqual(
      parseWebviewMessage({ type: 'copy', id: 4, what: 'curl', url: 'https://graph.microsoft.com/v1.0/me' }),
      { type: 'copy', id: 4, what: 'curl', url: 'https://graph.microsoft.com/v1.0/me' },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'verify', id: 5, column: 1 }), { type: 'verify', id: 5, column: 1 });
  });

  it('drops what it does not know, and every request without an id', () => {
    for (const bad of [
      null,
      'ready',
      { type: 'copy', what: 'token' },
      { type: 'copy', id: 1, what: 'secret' },
      { type: 'copy', id: 1, what: 'toString' },
      { type: 'copy', id: 1, what: 'curl', url: 42 },
      { type: 'verify', id: 1, column: -1 },
      { type: 'verify', id: 1, column: 0.5 },
      { type: 'verify', id: '1', column: 0 },
      { type: 'run', id: 1, command: 'workbench.action.terminal.sendSequence' },
    ])
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  });
});
