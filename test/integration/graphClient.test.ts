// core/graphClient against the sandbox's Graph subset: paging by @odata.nextLink, OData-Version on creates, bounded
// retries (429 with Retry-After; "not found" while a new object replicates), and explained errors.
import assert from 'node:assert/strict';
import { clientSecret } from '../../src/core/credentials/credentials';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphError, NetworkError } from '../../src/core/errors/errors';
import { GraphClient } from '../../src/core/graph/graphClient';
import { BLUEPRINT, SANDBOX_TENANT, sandboxAndEngine, SECRET } from '../helpers';

describe('core/graphClient against the sandbox Graph', () => {
  let graph: GraphClient;
  let tokens = 0;
  // Before the helper's hooks, so that (mocha runs after() hooks in order) the client closes first, as it did.
  after(async () => {
    await graph.close();
  });
  const live = sandboxAndEngine({ engineFor: 'suite' });
  before(() => {
    graph = new GraphClient({
      endpoint: `${live.sandbox.authority}/graph`,
      appOnly: true,
      caller: 'the blueprint',
      retryBaseDelayMs: 50,
      token: async (signal) => {
        tokens++;
        return (
          await live.engine.getAppToken(
            {
              authority: live.sandbox.authority,
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
  const mine = `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${BLUEPRINT}'`)}`;

  it('follows @odata.nextLink through every page (pages of 100), on one connection', async () => {
    for (let i = 0; i < 120; i++)
      await graph.create('/servicePrincipals/microsoft.graph.agentIdentity', {
        displayName: `Bulk ${i}`,
        agentIdentityBlueprintId: BLUEPRINT,
      });
    const connections = live.sandbox.connectionCount;
    const all = await graph.list<{ displayName: string }>(mine);
    assert.equal(all.filter((a) => a.displayName.startsWith('Bulk ')).length, 120);
    assert.ok(all.length >= 122, `${all.length}`);
    assert.equal(live.sandbox.connectionCount, connections, 'both pages on the connection already open');
    assert.ok(tokens >= 121, 'a token is asked for at each request (the engine caches it)');
  });

  it('retries 429 with Retry-After, and 503, within its budget', async () => {
    live.sandbox.graph.faults.push({ status: 429, retryAfterSeconds: 0 }, { status: 503 });
    const page = await graph.list(mine);
    assert.ok(page.length > 0);
    assert.equal(live.sandbox.graph.faults.length, 0, 'both faults were met and retried');
    live.sandbox.graph.faults.push(
      ...Array.from({ length: 5 }, () => ({ status: 429 as const, retryAfterSeconds: 0 })),
    );
    await assert.rejects(
      graph.list(mine),
      (e: unknown) => e instanceof GraphError && e.status === 429 && /Wait a minute/.test(e.fix),
    );
    live.sandbox.graph.faults.length = 0;
  });

  it('retries "not found" for an object created moments ago (replication), only when told it is fresh', async () => {
    live.sandbox.graph.replicationLagMs = 250;
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
      live.sandbox.graph.replicationLagMs = 0;
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

// SECURITY.md: "the token goes only to Graph's origin". A Graph that answers with next links elsewhere (another
// port, another scheme, a look-alike host) gets nothing followed; a Retry-After of minutes is not waited out.
describe('promise: the Graph client stays on its origin across pages, and within its retry budget', () => {
  let graphServer: Server;
  let other: Server;
  let origin = '';
  let otherHits = 0;
  let nextLink = '';
  const seenTokens: string[] = [];
  before(async () => {
    other = createServer((_req, res) => {
      otherHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    graphServer = createServer((req, res) => {
      seenTokens.push(String(req.headers.authorization));
      if (req.url?.startsWith('/v1.0/slow'))
        return res
          .writeHead(429, { 'retry-after': '600', 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests.' } }));
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ value: [{ id: 'a' }], '@odata.nextLink': nextLink }));
    });
    await new Promise<void>((r) => graphServer.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(graphServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => graphServer.close(() => r()));
    await new Promise<void>((r) => other.close(() => r()));
  });
  const client = () =>
    new GraphClient({ endpoint: origin, appOnly: true, retryBaseDelayMs: 10, token: async () => 'the-graph-token' });

  it('follows no next link to another port, scheme or host', async () => {
    const port = new URL(origin).port;
    const otherPort = (other.address() as AddressInfo).port;
    for (const link of [
      `http://127.0.0.1:${otherPort}/v1.0/servicePrincipals?$skiptoken=x`,
      `https://127.0.0.1:${port}/v1.0/servicePrincipals?$skiptoken=x`,
      `http://localhost:${port}/v1.0/servicePrincipals?$skiptoken=x`,
      `http://127.0.0.1.evil.example:${port}/v1.0/servicePrincipals`,
      'https://graph.microsoft.com.evil.example/v1.0/servicePrincipals',
      'not a url',
    ]) {
      nextLink = link;
      const graph = client();
      try {
        await assert.rejects(
          graph.list('/servicePrincipals'),
          (e: unknown) => e instanceof NetworkError && /next link/.test(e.message),
          link,
        );
      } finally {
        await graph.close();
      }
    }
    assert.equal(otherHits, 0, 'the other port never saw a request');
  });

  it('a Retry-After of ten minutes fails at once, with the explanation, instead of sleeping', async () => {
    const graph = client();
    try {
      const started = performance.now();
      await assert.rejects(
        graph.get('/slow'),
        (e: unknown) => e instanceof GraphError && e.status === 429 && /Wait a minute/.test(e.fix),
      );
      assert.ok(performance.now() - started < 2_000, `${Math.round(performance.now() - started)} ms`);
    } finally {
      await graph.close();
    }
  });
});
