import assert from 'node:assert/strict';
import { delayToBoundary, formatDuration } from '../../src/extension/tokens/durations';

describe('time left, as the tree and the status bar say it', () => {
  it('counts seconds, then minutes, then hours and minutes, never below zero', () => {
    assert.deepEqual(
      [-5_000, 0, 400, 59_400, 60_000, 3_599_000, 3_600_000, 29_100_000, 29_160_000].map(formatDuration),
      ['0 s', '0 s', '0 s', '59 s', '1 min', '59 min', '1 h', '8 h 5 min', '8 h 6 min'],
    );
  });

  it('the tree and the status bar tick on the same wall-clock instants (they never say two minutes for one token)', () => {
    assert.equal(delayToBoundary(1_000_000_000_000, 30_000), 30_000 - (1_000_000_000_000 % 30_000));
    for (const now of [0, 1, 29_999, 30_000, 1_733_000_012_345]) {
      const at = now + delayToBoundary(now, 30_000);
      assert.equal(at % 30_000, 0, `${now}`);
      assert.ok(at > now && at - now <= 30_000);
    }
  });
});
