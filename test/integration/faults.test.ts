// The fault catalogue (issue 7): every class of network and server failure the token client can meet, each against
// the sandbox's fault mode or a real socket condition. Each must end in a typed, explained error or a bounded retry,
// and never hang: every case is timed.
import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import {
  AgentTokenEngine,
  type AgentTokenEngineOptions,
  type AutonomousTokenRequest,
} from '../../src/core/engine/agentTokens';
import { EntraError } from '../../src/core/errors/entraError';
import { CancelledError, NetworkError } from '../../src/core/errors/errors';
import type { Fault, SandboxTenant } from '../../src/sandbox/server';
import { fixture, sandboxRequest, SECRET, startSandbox } from '../helpers';

/** What a case must end in: the token, or an error of this type whose message matches. */
type Outcome =
  | { ok: true; attempts: number }
  | {
      error: typeof NetworkError | typeof EntraError;
      kind?: NetworkError['kind'];
      status?: number;
      message: RegExp;
      attempts: number;
    };

interface FaultCase {
  readonly name: string;
  readonly faults: Fault[];
  readonly expect: Outcome;
  /** An upper bound on the whole call, in ms: a hang fails here, not at mocha's timeout. */
  readonly within: number;
  readonly options?: AgentTokenEngineOptions;
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><script>alert(1)</script></head><body><h1>Bad Gateway</h1></body></html>';
const TOKEN_JSON = (token: string) => JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: token });

describe('fault catalogue: every failure ends in an explained error or a bounded retry', function () {
  this.timeout(20_000);
  let sandbox: SandboxTenant;
  let engine: AgentTokenEngine | undefined;
  before(async () => (sandbox = await startSandbox()));
  after(() => sandbox.stop());
  beforeEach(() => sandbox.clearRecords());
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  const request = (over: Partial<AutonomousTokenRequest> = {}) => sandboxRequest(sandbox, over);
  const make = (options: AgentTokenEngineOptions = {}) =>
    (engine = new AgentTokenEngine({ retryBaseDelayMs: 20, timeoutMs: 2_000, ...options }));

  /** Runs the leg-1 request against the faults, and checks the outcome and the time it took. */
  async function run(c: FaultCase, over: Partial<AutonomousTokenRequest> = {}): Promise<void> {
    const e = make(c.options);
    sandbox.injectFaults(...c.faults);
    const started = Date.now();
    let failure: unknown;
    let attempts = 0;
    try {
      const result = await e.getAutonomousToken(request(over));
      attempts = result.legs[0]!.attempts;
    } catch (err) {
      failure = err;
    }
    const took = Date.now() - started;
    assert.ok(took < c.within, `${c.name}: took ${took} ms (bound ${c.within} ms)`);
    if ('ok' in c.expect) {
      assert.equal(failure, undefined, `${c.name}: expected a token, got ${String(failure)}`);
      assert.equal(attempts, c.expect.attempts, `${c.name}: attempts`);
      return;
    }
    const want = c.expect;
    assert.ok(failure instanceof want.error, `${c.name}: expected ${want.error.name}, got ${String(failure)}`);
    if (failure instanceof NetworkError && want.kind) assert.equal(failure.kind, want.kind, `${c.name}: kind`);
    if (failure instanceof EntraError && want.status)
      assert.equal(failure.httpStatus, want.status, `${c.name}: status`);
    const text =
      failure instanceof EntraError
        ? `${failure.message} ${failure.explanation} ${failure.fix}`
        : (failure as Error).message;
    assert.match(text, want.message, `${c.name}: message was: ${text}`);
    assert.doesNotMatch(text, /<script|at \w+ \(|node:internal/, `${c.name}: no markup or stack trace in the message`);
    assert.ok(!text.includes(SECRET), `${c.name}: the secret is not in the message`);
    // Every leg-1 attempt reaches the sandbox's handler (a reset fault closes the connection after it arrived), so
    // the count is exact: a bounded retry that stops one attempt early fails here, not only one that goes on.
    assert.equal(sandbox.requestCount, want.attempts, `${c.name}: requests the sandbox saw`);
  }

  it('stops reading a 64 MiB body at the 1 MiB cap: under 8 MiB (the cap plus socket buffers) left the sandbox', async () => {
    sandbox.injectFaults({ kind: 'flood', bytes: 64 << 20 });
    await assert.rejects(
      make().getAutonomousToken(request()),
      (e: unknown) => e instanceof NetworkError && /larger than 1 MiB/.test(e.message),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The cap plus what the socket buffers held when the client closed; reading it all would send 64 MiB.
    assert.ok(sandbox.floodBytesSent < 8 << 20, `${sandbox.floodBytesSent} bytes left the sandbox`);
  });

  const cases: FaultCase[] = [
    {
      name: 'a response delayed beyond the timeout',
      faults: [{ kind: 'delay', ms: 5_000 }],
      options: { timeoutMs: 300, maxRetries: 0 },
      expect: { error: NetworkError, kind: 'timeout', message: /did not answer within 300 ms/, attempts: 1 },
      within: 1_500,
    },
    {
      name: 'a connection reset before the response, once (retried)',
      faults: [{ kind: 'reset' }],
      expect: { ok: true, attempts: 2 },
      within: 3_000,
    },
    {
      name: 'a connection reset before the response, every time (bounded)',
      faults: [{ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' }],
      expect: {
        error: NetworkError,
        kind: 'connection',
        message: /connection to 127\.0\.0\.1:\d+ failed/,
        attempts: 3,
      },
      within: 3_000,
    },
    {
      name: 'a connection reset mid-body (retried)',
      faults: [{ kind: 'resetMidBody' }],
      expect: { ok: true, attempts: 2 },
      within: 3_000,
    },
    {
      name: 'a connection reset mid-body, every time (bounded)',
      faults: [{ kind: 'resetMidBody' }, { kind: 'resetMidBody' }, { kind: 'resetMidBody' }],
      expect: { error: NetworkError, kind: 'connection', message: /failed/, attempts: 3 },
      within: 3_000,
    },
    {
      name: '429 with Retry-After (retried after it)',
      faults: [
        {
          kind: 'status',
          status: 429,
          retryAfter: '1',
          body: '{"error":"temporarily_unavailable"}',
          contentType: 'application/json',
        },
      ],
      expect: { ok: true, attempts: 2 },
      within: 3_000,
    },
    {
      name: '500 (not retried, explained)',
      faults: [{ kind: 'status', status: 500, body: 'Internal Server Error' }],
      expect: { error: EntraError, status: 500, message: /server error \(HTTP 500\).*Retry in a moment/, attempts: 1 },
      within: 1_000,
    },
    {
      name: '502 with an HTML error page (explained as text)',
      faults: [{ kind: 'status', status: 502, body: HTML_PAGE, contentType: 'text/html' }],
      expect: { error: EntraError, status: 502, message: /server error \(HTTP 502\)/, attempts: 1 },
      within: 1_000,
    },
    {
      name: '503 then 504 (retried with backoff)',
      faults: [
        { kind: 'status', status: 503 },
        { kind: 'status', status: 504 },
      ],
      expect: { ok: true, attempts: 3 },
      within: 3_000,
    },
    {
      name: '503 every time (bounded: 3 attempts)',
      faults: [
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
      ],
      expect: { error: EntraError, status: 503, message: /server error \(HTTP 503\)/, attempts: 3 },
      within: 3_000,
    },
    {
      name: '200 with an HTML page (a captive portal)',
      faults: [{ kind: 'status', status: 200, body: HTML_PAGE, contentType: 'text/html; charset=utf-8' }],
      expect: {
        error: NetworkError,
        kind: 'protocol',
        message: /HTML page, not a token response: a proxy, a captive portal or a wrong authority URL/,
        attempts: 1,
      },
      within: 1_000,
    },
    {
      name: '200 with a body that is not JSON',
      faults: [{ kind: 'status', status: 200, body: 'OK' }],
      expect: { error: NetworkError, kind: 'protocol', message: /text\/plain body that is not JSON/, attempts: 1 },
      within: 1_000,
    },
    {
      name: '200 with truncated JSON',
      faults: [
        {
          kind: 'status',
          status: 200,
          body: TOKEN_JSON('eyJhbGciOiJSUzI1NiJ9.e30.sig').slice(0, 40),
          contentType: 'application/json',
        },
      ],
      expect: {
        error: NetworkError,
        kind: 'protocol',
        message: /JSON that is cut off or malformed \(40 bytes\)/,
        attempts: 1,
      },
      within: 1_000,
    },
    {
      name: '400 with truncated JSON (explained by its status)',
      faults: [
        {
          kind: 'status',
          status: 400,
          body: '{"error":"invalid_client","error_codes":[70',
          contentType: 'application/json',
        },
      ],
      expect: { error: EntraError, status: 400, message: /HTTP 400/, attempts: 1 },
      within: 1_000,
    },
    {
      name: 'an oversized body (more than 1 MiB)',
      faults: [
        {
          kind: 'status',
          status: 200,
          body: `{"access_token":"${'A'.repeat(2 << 20)}"}`,
          contentType: 'application/json',
        },
      ],
      expect: { error: NetworkError, kind: 'protocol', message: /larger than 1 MiB/, attempts: 1 },
      within: 3_000,
    },
    {
      name: 'a slow-drip body',
      faults: [{ kind: 'drip', intervalMs: 50 }],
      options: { timeoutMs: 400, maxRetries: 0 },
      expect: { error: NetworkError, kind: 'timeout', message: /did not answer within 400 ms/, attempts: 1 },
      within: 1_500,
    },
  ];

  for (const c of cases) it(c.name, () => run(c));

  it('a token response with a wrong Content-Type is judged by its body, and accepted', async () => {
    // text/plain on a real token response: the body decides. The token comes back as sent.
    make();
    const real = (await engine!.getAutonomousToken(request())).t1.raw;
    engine!.clearCache();
    sandbox.injectFaults({ kind: 'status', status: 200, body: TOKEN_JSON(real), contentType: 'text/plain' });
    const result = await engine!.getAutonomousToken(request());
    assert.equal(result.t1.raw, real);
    assert.equal(result.fromCache, false);
    assert.equal(sandbox.requests.at(-2)?.status, 200, 'leg 1 went to the sandbox again');
  });

  it('connection refused', async () => {
    const closed = await startSandbox();
    const authority = closed.authority;
    await closed.stop();
    await run(
      {
        name: 'refused',
        faults: [],
        expect: {
          error: NetworkError,
          kind: 'connection',
          message: /Nothing is listening at 127\.0\.0\.1:\d+: the connection was refused/,
          attempts: 0,
        },
        within: 2_000,
      },
      { authority },
    );
  });

  it('a DNS failure (the resolver knows no such host)', async () => {
    // No DNS server exists here: the resolver is net.connect's lookup hook, answering as getaddrinfo does.
    const lookups: string[] = [];
    const lookup: LookupFunction = (hostname, _options, callback) => {
      lookups.push(hostname);
      const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      process.nextTick(() => (callback as (err: Error) => void)(e));
    };
    await run(
      {
        name: 'dns',
        faults: [],
        options: { lookup },
        expect: {
          error: NetworkError,
          kind: 'connection',
          message: /The host login\.contoso-no-such-host\.test could not be found \(DNS\)/,
          attempts: 0,
        },
        within: 2_000,
      },
      { authority: 'https://login.contoso-no-such-host.test' },
    );
    assert.deepEqual(lookups, ['login.contoso-no-such-host.test']);
  });

  it('a TLS failure (a certificate the client does not trust)', async () => {
    const tls = { cert: fixture('tls/server.pem'), key: fixture('tls/server-key.pem') };
    const https = await startSandbox({ tls });
    try {
      // No `ca`: the test CA is not trusted, exactly as for a stranger's certificate.
      await run(
        {
          name: 'tls',
          faults: [],
          expect: {
            error: NetworkError,
            kind: 'connection',
            message: /TLS certificate of 127\.0\.0\.1:\d+ is not trusted/,
            attempts: 0,
          },
          within: 2_000,
        },
        { authority: https.authority },
      );
      assert.equal(https.requestCount, 0, 'no request went over the untrusted connection');
    } finally {
      await https.stop();
    }
  });

  describe('cancel takes effect within 200 ms', () => {
    const cancelWithin = async (faults: Fault[], after: number) => {
      make();
      sandbox.injectFaults(...faults);
      const controller = new AbortController();
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, after);
      let settledAt = 0;
      const call = engine!
        .getAutonomousToken(request(), { signal: controller.signal })
        .finally(() => (settledAt = Date.now()));
      await assert.rejects(call, CancelledError);
      assert.ok(abortedAt > 0, 'settled only after the abort');
      const took = settledAt - abortedAt;
      assert.ok(took < 200, `cancel took ${took} ms`);
    };
    it('while waiting for a response', () => cancelWithin([{ kind: 'delay', ms: 5_000 }], 150));
    it('while a body drips in', () => cancelWithin([{ kind: 'drip', intervalMs: 20 }], 150));
    it('while waiting out a Retry-After', () => cancelWithin([{ kind: 'status', status: 429, retryAfter: '30' }], 150));
  });
});
