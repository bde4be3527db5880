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
    const draft = { agentId: 'a', method: 'post', url: 'https://x.test/', headers: 'Accept: */*', body: '{}' };
    assert.deepEqual(parseWebviewMessage({ type: 'call', id: 6, draft }), {
      type: 'call',
      id: 6,
      draft: { ...draft, method: 'POST' },
    });
    assert.deepEqual(parseWebviewMessage({ type: 'call', id: 7, draft: { ...draft, scope: 'api://x/.default' } }), {
      type: 'call',
      id: 7,
      draft: { ...draft, method: 'POST', scope: 'api://x/.default' },
    });
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
      { type: 'call', id: 1 },
      { type: 'call', id: 1, draft: { agentId: 'a', method: 'GET /x', url: 'https://x.test', headers: '', body: '' } },
      { type: 'call', id: 1, draft: { agentId: 'a', method: 'GET', url: 'https://x.test', headers: '' } },
      { type: 'call', id: 1, draft: { agentId: 'a', method: 'GET', url: 'x'.repeat(5000), headers: '', body: '' } },
      { type: 'call', id: 1, draft: { agentId: 'a', method: 'GET', url: '', headers: '', body: '', scope: 7 } },
    ])
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  });
});
