import assert from 'node:assert/strict';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { clientSecret } from '../../src/core/credentials/credentials';
import { EntraError } from '../../src/core/errors/entraError';
import { CancelledError, NetworkError } from '../../src/core/errors/errors';
import type { SandboxTenant } from '../../src/sandbox/server';
import { sandboxRequest, startSandbox } from '../helpers';

describe('token client resilience', () => {
  let sandbox: SandboxTenant;
  let engine: AgentTokenEngine;
  before(async () => (sandbox = await startSandbox()));
  after(() => sandbox.stop());
  beforeEach(() => sandbox.clearRecords());
  afterEach(() => engine?.close());

  const request = () => sandboxRequest(sandbox);
  const make = (options: ConstructorParameters<typeof AgentTokenEngine>[0] = {}) =>
    (engine = new AgentTokenEngine({ retryBaseDelayMs: 20, ...options }));

  it('retries a 429 after the Retry-After it names', async () => {
    make();
    sandbox.injectFaults({ kind: 'status', status: 429, body: 'Too Many Requests', retryAfter: '1' });
    const started = Date.now();
    const result = await engine.getAutonomousToken(request());
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1000, `waited ${elapsed} ms`);
    assert.equal(result.legs[0]!.attempts, 2);
    assert.equal(result.legs[1]!.attempts, 1);
    assert.deepEqual(
      sandbox.requests.map((r) => r.status),
      [429, 200, 200],
    );
  });

  it('retries 503 and 504 with backoff when no Retry-After is sent, at most twice', async () => {
    make();
    sandbox.injectFaults(
      { kind: 'status', status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' },
      { kind: 'status', status: 504 },
    );
    const result = await engine.getAutonomousToken(request());
    assert.equal(result.legs[0]!.attempts, 3);
    sandbox.clearRecords();
    engine.clearCache();
    sandbox.injectFaults(
      ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503, body: 'Service Unavailable' })),
    );
    await assert.rejects(
      engine.getAutonomousToken(request()),
      (e: unknown) =>
        e instanceof EntraError && e.httpStatus === 503 && e.code === undefined && /server error/.test(e.explanation),
    );
    assert.equal(sandbox.requests.length, 3);
  });

  it('never retries a 400 or a 401', async () => {
    make();
    await assert.rejects(engine.getAutonomousToken({ ...request(), credential: clientSecret('wrong') }), EntraError);
    sandbox.injectFaults({
      kind: 'status',
      status: 400,
      body: '{"error":"invalid_request","error_codes":[900144]}',
      contentType: 'application/json',
    });
    await assert.rejects(
      engine.getAutonomousToken(request()),
      (e: unknown) => e instanceof EntraError && e.code === 900144,
    );
    assert.deepEqual(
      sandbox.requests.map((r) => r.status),
      [401, 400],
    );
  });

  it('gives up at once when Retry-After exceeds the 60 s waiting budget', async () => {
    make();
    sandbox.injectFaults({ kind: 'status', status: 429, body: 'Too Many Requests', retryAfter: '120' });
    const started = Date.now();
    await assert.rejects(
      engine.getAutonomousToken(request()),
      (e: unknown) => e instanceof EntraError && e.httpStatus === 429 && e.retryAfterSeconds === 120,
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(sandbox.requests.length, 1);
  });

  it('retries a connection reset', async () => {
    make();
    sandbox.injectFaults({ kind: 'reset' });
    const result = await engine.getAutonomousToken(request());
    assert.equal(result.legs[0]!.attempts, 2);
  });

  it('times out a request that gets no answer, as a network error', async () => {
    make({ timeoutMs: 300 });
    sandbox.injectFaults({ kind: 'delay', ms: 2000 });
    const started = Date.now();
    await assert.rejects(
      engine.getAutonomousToken(request()),
      (e: unknown) => e instanceof NetworkError && e.kind === 'timeout' && /300 ms/.test(e.message),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1500, `took ${elapsed} ms`);
  });

  it('cancels an in-flight request through the AbortSignal', async () => {
    make();
    sandbox.injectFaults({ kind: 'delay', ms: 3000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(engine.getAutonomousToken(request(), { signal: controller.signal }), CancelledError);
    assert.ok(Date.now() - started < 600, `cancel took ${Date.now() - started} ms`);
  });

  it('cancels a wait for Retry-After', async () => {
    make();
    sandbox.injectFaults({ kind: 'status', status: 429, retryAfter: '30' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(engine.getAutonomousToken(request(), { signal: controller.signal }), CancelledError);
    assert.ok(Date.now() - started < 800);
  });

  it('reports a refused connection as a network error', async () => {
    make();
    const closed = await startSandbox();
    const authority = closed.authority;
    await closed.stop();
    await assert.rejects(
      engine.getAutonomousToken({ ...request(), authority }),
      (e: unknown) => e instanceof NetworkError && e.kind === 'connection' && /refused/.test(e.message),
    );
  });

  it('rejects a 200 that is not a token response', async () => {
    make();
    sandbox.injectFaults({ kind: 'status', status: 200, body: '<html>captive portal</html>' });
    await assert.rejects(
      engine.getAutonomousToken(request()),
      (e: unknown) => e instanceof NetworkError && e.kind === 'protocol',
    );
  });
});
