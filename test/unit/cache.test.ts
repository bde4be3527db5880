import assert from 'node:assert/strict';
import { TokenCache } from '../../src/core/engine/cache';
import { CancelledError } from '../../src/core/errors/errors';
import { parseRetryAfter } from '../../src/core/engine/tokenClient';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('TokenCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('reuses a value until the refresh margin before expiry', async () => {
    const cache = new TokenCache<string>({ refreshMarginMs: 5 * 60_000, now: clock });
    let calls = 0;
    const acquire = async () => ({ value: `v${++calls}`, expiresOnMs: now + 10 * 60_000 });
    assert.deepEqual(await cache.getOrAcquire('k', acquire), { value: 'v1', fromCache: false });
    now += 4 * 60_000;
    assert.deepEqual(await cache.getOrAcquire('k', acquire), { value: 'v1', fromCache: true });
    now += 60_000; // exactly at the margin: refresh
    assert.deepEqual(await cache.getOrAcquire('k', acquire), { value: 'v2', fromCache: false });
    assert.equal(calls, 2);
  });

  it('keeps keys apart', async () => {
    const cache = new TokenCache<string>({ now: clock });
    const key1 = TokenCache.key('a', 'b');
    const key2 = TokenCache.key('a|b');
    await cache.getOrAcquire(key1, async () => ({ value: 'one', expiresOnMs: now + 3_600_000 }));
    const r = await cache.getOrAcquire(key2, async () => ({ value: 'two', expiresOnMs: now + 3_600_000 }));
    assert.deepEqual(r, { value: 'two', fromCache: false });
  });

  it('shares one acquisition among concurrent callers', async () => {
    const cache = new TokenCache<string>({ now: clock });
    const d = deferred<{ value: string; expiresOnMs: number }>();
    let calls = 0;
    const acquire = () => (calls++, d.promise);
    const all = Promise.all(Array.from({ length: 10 }, () => cache.getOrAcquire('k', acquire)));
    d.resolve({ value: 'v', expiresOnMs: now + 3_600_000 });
    const results = await all;
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.value === 'v'));
    assert.equal(results.filter((r) => !r.fromCache).length, 1);
  });

  it('does not cache failures, and shares them with waiters', async () => {
    const cache = new TokenCache<string>({ now: clock });
    const d = deferred<{ value: string; expiresOnMs: number }>();
    const a = cache.getOrAcquire('k', () => d.promise);
    const b = cache.getOrAcquire('k', () => d.promise);
    d.reject(new Error('boom'));
    await assert.rejects(a, /boom/);
    await assert.rejects(b, /boom/);
    assert.deepEqual(await cache.getOrAcquire('k', async () => ({ value: 'ok', expiresOnMs: now + 3_600_000 })), {
      value: 'ok',
      fromCache: false,
    });
  });

  it('lets a waiter cancel its wait, and take over when the leader cancels', async () => {
    const cache = new TokenCache<string>({ now: clock });
    const leader = new AbortController();
    const leaderD = deferred<{ value: string; expiresOnMs: number }>();
    const first = cache.getOrAcquire('k', () => leaderD.promise, leader.signal);
    const quitter = new AbortController();
    const second = cache.getOrAcquire('k', () => assert.fail('not the leader'), quitter.signal);
    quitter.abort();
    await assert.rejects(second, CancelledError);
    let calls = 0;
    const third = cache.getOrAcquire('k', async () => (calls++, { value: 'mine', expiresOnMs: now + 3_600_000 }));
    leader.abort();
    leaderD.reject(new CancelledError());
    await assert.rejects(first, CancelledError);
    assert.deepEqual(await third, { value: 'mine', fromCache: false });
    assert.equal(calls, 1);
  });

  it('bounds its size', async () => {
    const cache = new TokenCache<number>({ now: clock, maxEntries: 3 });
    for (let i = 0; i < 5; i++)
      await cache.getOrAcquire(`k${i}`, async () => ({ value: i, expiresOnMs: now + 3_600_000 }));
    assert.equal(cache.size, 3);
    assert.equal(cache.peek('k0'), undefined);
    assert.equal(cache.peek('k4'), 4);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('60'), 60);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('-5'), undefined);
  });
});
