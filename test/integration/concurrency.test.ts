// Concurrency (issue 7): 100 parallel acquisitions over 50 agent identities through one engine. Every result must
// name the agent it was asked for (no cache cross-talk), and each key must have had one request in flight: exactly one
// T1 and one final token per agent reach the sandbox.
import assert from 'node:assert/strict';
import { decodeToken } from '../../src/core/tokens/jwt';
import { BLUEPRINT, sandboxAndEngine, sandboxRequest, testDirectory } from '../helpers';

const AGENTS = Array.from(
  { length: 50 },
  (_, i) => `a1b2c3d4-e5f6-4a7b-8c9d-${(0x1000 + i).toString(16).padStart(12, '0')}`,
);

describe('concurrency: 100 parallel acquisitions over 50 agent identities', () => {
  const directory = testDirectory();
  directory.tenants[0]!.blueprints[0]!.agents.push(
    ...AGENTS.map((clientId, i) => ({ clientId, displayName: `Agent ${i}` })),
  );
  const live = sandboxAndEngine({ sandbox: { directory, latencyMs: 5 } });

  it('every result names its own agent, and each key had one request in flight', async () => {
    // Interleaved order, so concurrent callers of the same key are not neighbours.
    const order = [...AGENTS, ...[...AGENTS].reverse()];
    const results = await Promise.all(
      order.map((agentId) => live.engine.getAutonomousToken(sandboxRequest(live.sandbox, { agentId }))),
    );
    for (const [i, r] of results.entries()) {
      const agentId = order[i]!;
      assert.equal(r.token.claims.appid, agentId, `result ${i}: final token of another agent`);
      assert.equal(decodeToken(r.accessToken).claims.appid, agentId, `result ${i}: the raw token agrees`);
      assert.ok(
        String(r.t1.claims.sub).endsWith(`/${agentId}`),
        `result ${i}: T1 made for another agent (its sub ends with the fmi_path)`,
      );
    }
    const t1Requests = live.sandbox.requests.filter((q) => q.params.client_id === BLUEPRINT);
    const finalRequests = live.sandbox.requests.filter((q) => q.params.client_id !== BLUEPRINT);
    assert.deepEqual(t1Requests.map((q) => q.params.fmi_path).sort(), [...AGENTS].sort(), 'one T1 request per agent');
    assert.deepEqual(
      finalRequests.map((q) => q.params.client_id).sort(),
      [...AGENTS].sort(),
      'one final-token request per agent',
    );
    // The second caller of each key shared the first one's request.
    assert.equal(results.filter((r) => r.fromCache).length, 50);
  });
});
