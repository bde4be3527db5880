import assert from 'node:assert/strict';
import { apiHostsOf, boundedSettings } from '../../src/extension/settingsRules';

// SECURITY.md (workspace trust): the request timeout is the one setting a workspace may set, "clamped to 1–600 s".
describe('settings bounds', () => {
  const timeout = (v: unknown) => boundedSettings({ hosts: [], timeoutSeconds: v, latencyMs: 0 }).requestTimeoutMs;
  it('clamps the request timeout to 1–600 s, whatever a settings file holds', () => {
    assert.deepEqual(
      [0, -5, 0.2, 1, 30, 600, 601, 1e12].map(timeout),
      [1000, 1000, 1000, 1000, 30_000, 600_000, 600_000, 600_000],
    );
    assert.deepEqual(
      [Number.NaN, Infinity, '60', null, {}, undefined].map(timeout),
      [30_000, 30_000, 30_000, 30_000, 30_000, 30_000],
      'not a finite number: the default',
    );
  });
  it('clamps the sandbox latency to 0–10 s, and keeps only string hosts', () => {
    const latency = (v: unknown) => boundedSettings({ hosts: [], timeoutSeconds: 30, latencyMs: v }).sandboxLatencyMs;
    assert.deepEqual([-1, 0, 12.6, 10_000, 99_999, 'x'].map(latency), [0, 0, 13, 10_000, 10_000, 0]);
    assert.deepEqual(
      boundedSettings({ hosts: ['a.example', 3, null, 'b.example'], timeoutSeconds: 30, latencyMs: 0 })
        .additionalAuthorityHosts,
      ['a.example', 'b.example'],
    );
    assert.deepEqual(
      boundedSettings({ hosts: 'a.example', timeoutSeconds: 30, latencyMs: 0 }).additionalAuthorityHosts,
      [],
    );
  });

  it('keeps only well-formed API host entries: a scope with host names', () => {
    assert.deepEqual(
      apiHostsOf({
        'api://contoso/.default': ['API.Contoso.com', 'localhost:8080', 'bad host', 7, 'https://x.test/'],
        'api://empty/.default': [],
        'api://notalist/.default': 'api.contoso.com',
        ' ': ['a.test'],
      }),
      { 'api://contoso/.default': ['api.contoso.com', 'localhost:8080'] },
    );
    for (const v of [undefined, null, 'x', ['a.test']]) assert.deepEqual(apiHostsOf(v), {});
  });
});
