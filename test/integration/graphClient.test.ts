// core/graphClient against the sandbox's Graph subset: paging by @odata.nextLink, OData-Version on creates, bounded
// retries (429 with Retry-After; "not found" while a new object replicates), and explained errors.
import assert from 'node:assert/strict';
import { AgentTokenEngine } from '../../src/core/agentTokens';
import { clientSecret } from '../../src/core/credentials';
import { GraphError } from '../../src/core/errors';
import { GraphClient } from '../../src/core/graphClient';
import type { SandboxTenant } from '../../src/sandbox/server';
import { BLUEPRINT, SANDBOX_TENANT, SECRET, startSandbox } from '../helpers';

describe('core/graphClient against the sandbox Graph', () => {
  let sandbox: SandboxTenant;
  let engine: AgentTokenEngine;
  let graph: GraphClient;
  let tokens = 0;
  before(async () => {
    sandbox = await startSandbox();
    engine = new AgentTokenEngine();
    graph = new GraphClient({
      endpoint: `${sandbox.authority}/graph`,
      appOnly: true,
      caller: 'the blueprint',
      retryBaseDelayMs: 50,
      token: async (signal) => {
        tokens++;
        return (
          await engine.getAppToken(
            {
              authority: sandbox.authority,
              tenant: SANDBOX_TENANT,
              blueprintId: BLUEPRINT,
              scope: 'https://graph.microsoft.com/.default',
              credential: clientSecret(SECRET),
            },
            { ...(signal ? { signal } : {}) },
          )
        ).accessToken;
      },
    });
  });
  after(async () => {
    await graph.close();
    await engine.close();
    await sandbox.stop();
  });
  const mine = `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${BLUEPRINT}'`)}`;

  it('follows @odata.nextLink through every page (pages of 100), on one connection', async () => {
    for (let i = 0; i < 120; i++)
      await graph.create('/servicePrincipals/microsoft.graph.agentIdentity', {
        displayName: `Bulk ${i}`,
        agentIdentityBlueprintId: BLUEPRINT,
      });
    const connections = sandbox.connectionCount;
    const all = await graph.list<{ displayName: string }>(mine);
    assert.equal(all.filter((a) => a.displayName.startsWith('Bulk ')).length, 120);
    assert.ok(all.length >= 122, `${all.length}`);
    assert.equal(sandbox.connectionCount, connections, 'both pages on the connection already open');
    assert.ok(tokens >= 121, 'a token is asked for at each request (the engine caches it)');
  });

  it('retries 429 with Retry-After, and 503, within its budget', async () => {
    sandbox.graph.faults.push({ status: 429, retryAfterSeconds: 0 }, { status: 503 });
    const page = await graph.list(mine);
    assert.ok(page.length > 0);
    assert.equal(sandbox.graph.faults.length, 0, 'both faults were met and retried');
    sandbox.graph.faults.push(...Array.from({ length: 5 }, () => ({ status: 429 as const, retryAfterSeconds: 0 })));
    await assert.rejects(
      graph.list(mine),
      (e: unknown) => e instanceof GraphError && e.status === 429 && /Wait a minute/.test(e.fix),
    );
    sandbox.graph.faults.length = 0;
  });

  it('retries "not found" for an object created moments ago (replication), only when told it is fresh', async () => {
    sandbox.graph.replicationLagMs = 250;
    try {
      const agent = await graph.create<{ appId: string }>('/servicePrincipals/microsoft.graph.agentIdentity', {
        displayName: 'Fresh',
        agentIdentityBlueprintId: BLUEPRINT,
      });
      const body = {
        accountEnabled: true,
        displayName: 'Fresh user',
        mailNickname: 'fresh',
        userPrincipalName: 'fresh@sandbox.onmicrosoft.com',
        identityParentId: agent.appId,
      };
      await assert.rejects(graph.create('/users/microsoft.graph.agentUser', body), (e: unknown) => {
        assert.ok(e instanceof GraphError);
        assert.match(e.graphMessage, /^Object with id .* not found\.$/);
        assert.match(e.meaning, /may still be replicating/);
        return true;
      });
      const user = await graph.create<{ identityParentId: string }>('/users/microsoft.graph.agentUser', body, {
        fresh: true,
      });
      assert.equal(user.identityParentId, agent.appId);
    } finally {
      sandbox.graph.replicationLagMs = 0;
    }
  });

  it('explains a refusal with the permission the call needs, for the caller it names', async () => {
    await assert.rejects(
      graph.delete('/servicePrincipals/00000000-0000-4000-8000-000000000000'),
      (e: unknown) => e instanceof GraphError && e.status === 404 && e.code === 'Request_ResourceNotFound',
    );
    await assert.rejects(graph.get('/applications'), (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(e.code, 'Authorization_RequestDenied');
      assert.match(e.fix, /^Grant the blueprint the application permission Application\.Read\.All/);
      assert.match(e.message, /request-id [0-9a-f-]{36}, client-request-id [0-9a-f-]{36}\)$/);
      return true;
    });
  });
});
