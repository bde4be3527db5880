import assert from 'node:assert/strict';
import { AgentTokenEngine, type AutonomousTokenRequest } from '../../src/core/engine/agentTokens';
import { clientSecret } from '../../src/core/credentials/credentials';
import { EntraError } from '../../src/core/errors/entraError';
import {
  AGENT,
  AGENT_USER_ID,
  BLUEPRINT,
  DISABLED_AGENT,
  SANDBOX_TENANT,
  SECOND_AGENT,
  SECOND_BLUEPRINT,
  SECOND_TENANT,
  OTHER_AGENT,
  sandboxRequest,
  startSandbox,
  testDirectory,
  sandboxAndEngine,
} from '../helpers';

describe('engine caches', () => {
  const live = sandboxAndEngine();

  const request = (over: Partial<AutonomousTokenRequest> = {}) => sandboxRequest(live.sandbox, over);

  it('serves a repeated request from the cache, marked as such', async () => {
    const first = await live.engine.getAutonomousToken(request());
    const second = await live.engine.getAutonomousToken(request());
    assert.equal(live.sandbox.requests.length, 2);
    assert.equal(second.accessToken, first.accessToken);
    assert.equal(second.fromCache, true);
    assert.ok(second.legs.every((l) => l.cached));
  });

  it('reuses T1 for another scope of the same agent, but not for another agent', async () => {
    await live.engine.getAutonomousToken(request());
    const weather = await live.engine.getAutonomousToken(request({ scope: 'api://sandbox-weather/.default' }));
    assert.equal(live.sandbox.requests.length, 3);
    assert.equal(weather.legs[0]!.cached, true);
    assert.equal(weather.legs[1]!.cached, false);
    const other = await live.engine.getAutonomousToken(request({ agentId: OTHER_AGENT }));
    assert.equal(live.sandbox.requests.length, 5);
    assert.equal(other.token.claims.appid, OTHER_AGENT);
  });

  it('reports each leg as it completes, in order, the cached T1 included; nothing when the final token is cached', async () => {
    const seen: string[] = [];
    const onLeg = (l: { name: string; cached: boolean }) =>
      seen.push(`${l.name}:${l.cached ? 'cache' : 'sent'}:${live.sandbox.requests.length}`);
    await live.engine.getAutonomousToken(request(), { onLeg });
    // Each leg is reported once its own request was answered, before the next request is sent.
    assert.deepEqual(seen, ['blueprint:sent:1', 'agent:sent:2']);
    seen.length = 0;
    await live.engine.getAutonomousToken(request({ scope: 'api://sandbox-weather/.default' }), { onLeg });
    assert.deepEqual(seen, ['blueprint:cache:2', 'agent:sent:3']);
    seen.length = 0;
    await live.engine.getAutonomousToken(request(), { onLeg });
    assert.deepEqual(seen, []);
  });

  it('sends one request per key for concurrent callers', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        live.engine.getAutonomousToken(request({ agentId: i % 2 ? OTHER_AGENT : AGENT })),
      ),
    );
    assert.equal(live.sandbox.requests.length, 4);
    for (const [i, r] of results.entries()) assert.equal(r.token.claims.appid, i % 2 ? OTHER_AGENT : AGENT);
  });

  it('forceRefresh skips both caches', async () => {
    await live.engine.getAutonomousToken(request());
    const fresh = await live.engine.getAutonomousToken(request(), { forceRefresh: true });
    assert.equal(live.sandbox.requests.length, 4);
    assert.equal(fresh.fromCache, false);
  });

  it('refreshes tokens that are within the refresh margin of expiry', async () => {
    const file = testDirectory();
    file.tokenLifetimes = { t1Seconds: 200, accessTokenSeconds: 200 };
    const short = await startSandbox({ directory: file });
    try {
      // 200 s tokens are inside the default 5-minute margin: never reused.
      await live.engine.getAutonomousToken(request({ authority: short.authority }));
      await live.engine.getAutonomousToken(request({ authority: short.authority }));
      assert.equal(short.requests.length, 4);
      const lenient = new AgentTokenEngine({ refreshMarginMs: 60_000 });
      try {
        await lenient.getAutonomousToken(request({ authority: short.authority }));
        await lenient.getAutonomousToken(request({ authority: short.authority }));
        assert.equal(short.requests.length, 6);
      } finally {
        await lenient.close();
      }
    } finally {
      await short.stop();
    }
  });

  it('does not cache failures', async () => {
    await assert.rejects(live.engine.getAutonomousToken(request({ credential: clientSecret('wrong') })));
    await live.engine.getAutonomousToken(request());
    assert.equal(live.sandbox.requests.length, 3);
  });

  it('promise: an unknown or disabled agent identity is asked about once per 30 s, not once per caller', async () => {
    const unknown = request({ agentId: '0f0e0d0c-0b0a-4908-8706-050403020100' });
    const first = await live.engine.getAutonomousToken(unknown).catch((e: unknown) => e);
    assert.ok(first instanceof EntraError && first.code === 700016, String(first));
    const sent = live.sandbox.requests.length;
    const again = await Promise.all(
      Array.from({ length: 200 }, () => live.engine.getAutonomousToken(unknown).catch((e: unknown) => e)),
    );
    assert.ok(again.every((e) => e instanceof EntraError && e.code === 700016));
    assert.equal(live.sandbox.requests.length, sent, '200 more callers, no more requests');
    // Another scope of the same agent, or a disabled one: each its own entry.
    const disabled = request({ agentId: DISABLED_AGENT });
    for (let i = 0; i < 3; i++)
      await assert.rejects(
        live.engine.getAutonomousToken(disabled),
        (e: unknown) => (e as EntraError).code === 7000112,
      );
    assert.equal(live.sandbox.requests.length, sent + 2, 'the disabled agent: both legs once');
    // ForceRefresh asks again; so does anyone after an edit (clearCache).
    await assert.rejects(live.engine.getAutonomousToken(unknown, { forceRefresh: true }));
    assert.equal(live.sandbox.requests.length, sent + 3);
    live.engine.clearCache();
    await assert.rejects(live.engine.getAutonomousToken(unknown));
    assert.equal(live.sandbox.requests.length, sent + 4);
  });

  it('remembers a refusal for 30 s only', async () => {
    let now = Date.now();
    const engine = new AgentTokenEngine({ now: () => now });
    try {
      const unknown = request({ agentId: '0f0e0d0c-0b0a-4908-8706-050403020100' });
      await assert.rejects(engine.getAutonomousToken(unknown));
      await assert.rejects(engine.getAutonomousToken(unknown));
      assert.equal(live.sandbox.requests.length, 1);
      now += 30_001;
      await assert.rejects(engine.getAutonomousToken(unknown));
      assert.equal(live.sandbox.requests.length, 2);
    } finally {
      await engine.close();
    }
  });

  it("promise: T1 is kept per tenant: asked in another tenant, leg 1 goes there, not the other tenant's T1", async () => {
    await live.engine.getAutonomousToken(request());
    live.sandbox.clearRecords();
    // The same blueprint and agent, asked in the second tenant (where the blueprint is not): leg 1 is sent there.
    await assert.rejects(live.engine.getAutonomousToken(request({ tenant: SECOND_TENANT })));
    assert.deepEqual(
      live.sandbox.requests.map((r) => [r.tenant, r.params.client_id, r.params.fmi_path]),
      [[SECOND_TENANT, BLUEPRINT, AGENT]],
    );
    // And a blueprint refused in one tenant is asked again in the one it lives in (the refusal is that tenant's).
    live.sandbox.clearRecords();
    const second = { blueprintId: SECOND_BLUEPRINT, agentId: SECOND_AGENT };
    await assert.rejects(live.engine.getAutonomousToken(request({ ...second })));
    const got = await live.engine.getAutonomousToken(request({ ...second, tenant: SECOND_TENANT }));
    assert.equal(got.token.claims.tid, SECOND_TENANT);
    assert.deepEqual(
      live.sandbox.requests.map((r) => [r.tenant, r.params.client_id]),
      [
        [SANDBOX_TENANT, SECOND_BLUEPRINT],
        [SECOND_TENANT, SECOND_BLUEPRINT],
        [SECOND_TENANT, SECOND_AGENT],
      ],
    );
  });
});

// SECURITY.md, concurrency: "no cache cross-talk". An agent user's token is the user's: one user's is never served to
// another, on the same engine, without forceRefresh.
describe('promise: an agent-user token is cached per agent user', () => {
  const SECOND_USER_ID = '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9d';
  const SECOND_USER_UPN = 'second-agent-user@sandbox.onmicrosoft.com';
  const directory = testDirectory();
  directory.tenants[0]!.users!.push({
    id: SECOND_USER_ID,
    userPrincipalName: SECOND_USER_UPN,
    identityParentId: AGENT,
  });
  const live = sandboxAndEngine({ sandbox: { directory } });
  const asUser = (user: { userId: string } | { username: string }) =>
    live.engine.getAgentUserToken({ ...sandboxRequest(live.sandbox), ...user });

  it('serves each user their own token, by object id or UPN, and T1 once for both', async () => {
    const first = await asUser({ userId: AGENT_USER_ID });
    const second = await asUser({ userId: SECOND_USER_ID });
    assert.equal(first.token.claims.oid, AGENT_USER_ID);
    assert.equal(second.token.claims.oid, SECOND_USER_ID, "the second user got the first user's token");
    assert.equal(second.fromCache, false);
    const byName = await asUser({ username: SECOND_USER_UPN });
    assert.equal(byName.token.claims.oid, SECOND_USER_ID);
    assert.equal((await asUser({ userId: AGENT_USER_ID })).token.claims.oid, AGENT_USER_ID);
    assert.equal(
      live.sandbox.requests.filter((r) => r.params.fmi_path === AGENT).length,
      1,
      "T1 is the agent's, shared by its users",
    );
  });
});
