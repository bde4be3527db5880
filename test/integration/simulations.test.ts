import assert from 'node:assert/strict';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { EntraError } from '../../src/core/errors/entraError';
import { NetworkError } from '../../src/core/errors/errors';
import { SIMULATIONS, type SimulationId } from '../../src/sandbox/simulations';
import { sandboxAndEngine, sandboxRequest } from '../helpers';

/** What each simulation must look like to the real engine: the code (or error) and the leg that fails. */
const expected: Record<SimulationId, { code?: number; status?: number; network?: 'timeout'; failingLeg: 1 | 2 }> = {
  'wrong-secret': { code: 7000215, status: 401, failingLeg: 1 },
  'unknown-agent': { code: 700016, status: 400, failingLeg: 2 },
  'agent-in-another-tenant': { code: 700211, status: 400, failingLeg: 2 },
  'disabled-agent': { code: 7000112, status: 400, failingLeg: 2 },
  'missing-consent': { code: 65001, status: 400, failingLeg: 2 },
  'missing-fmi-path': { code: 82008, status: 400, failingLeg: 1 },
  'no-credential': { code: 7000216, status: 401, failingLeg: 2 },
  'conditional-access': { code: 53003, status: 400, failingLeg: 2 },
  throttled: { status: 429, failingLeg: 1 },
  timeout: { network: 'timeout', failingLeg: 1 },
};

describe('simulated Entra errors on the sandbox (Simulate an Entra Error…)', () => {
  const live = sandboxAndEngine();

  it('covers each error the issue names, once', () => {
    assert.deepEqual(SIMULATIONS.map((s) => s.id).sort(), Object.keys(expected).sort());
  });

  for (const simulation of SIMULATIONS) {
    it(`${simulation.label}: the engine meets it on leg ${expected[simulation.id].failingLeg}, and the next request works`, async () => {
      const want = expected[simulation.id];
      const engine = simulation.id === 'timeout' ? new AgentTokenEngine({ timeoutMs: 300 }) : live.engine;
      live.sandbox.injectFaults(...simulation.faults(live.sandbox.authority, 300));
      const error = await engine.getAutonomousToken(sandboxRequest(live.sandbox)).then(
        () => assert.fail('the simulation did not fail the request'),
        (e: unknown) => e,
      );
      if (want.network) assert.ok(error instanceof NetworkError && error.kind === want.network, String(error));
      else {
        assert.ok(error instanceof EntraError, String(error));
        assert.equal(error.code, want.code);
        assert.equal(error.httpStatus, want.status);
        if (want.status === 429) assert.equal(error.retryAfterSeconds, 120);
        else assert.ok(error.traceId && error.correlationId && error.timestamp, 'a body like Entra’s, ids and all');
      }
      // Leg 1 reached the sandbox's real endpoint when the error is leg 2's; nothing stays queued.
      assert.equal(live.sandbox.requests.filter((r) => r.status === 200).length, want.failingLeg - 1);
      assert.equal(live.sandbox.pendingFaults, 0);
      if (engine !== live.engine) await engine.close();
      assert.ok(await live.engine.getAutonomousToken(sandboxRequest(live.sandbox), { forceRefresh: true }));
    });
  }
});
