import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentTokenEngine } from '../../src/core/engine/agentTokens';
import { EntraError } from '../../src/core/errors/entraError';
import { scrubSentValues } from '../../src/core/safety/encodedMatch';
import { buildCli, cli, sandboxBlueprintArgs } from '../cliRunner';
import { AGENT, SECRET, sandboxAndEngine, sandboxRequest } from '../helpers';

// SECURITY.md, "No secret reaches command output or the log": a server that echoes the request.
describe('promise: a server that echoes the request cannot put a secret or assertion into an error', function () {
  this.timeout(30_000);
  before(() => buildCli());
  const live = sandboxAndEngine({ engine: { retryBaseDelayMs: 20 } });

  /** `token` for the first agent, the secret in $S. */
  const tokenArgs = () => [
    'token',
    ...sandboxBlueprintArgs(live.sandbox.authority),
    '--agent',
    AGENT,
    '--client-secret-env',
    'S',
  ];

  const failure = async (): Promise<EntraError> => {
    try {
      await live.engine.getAutonomousToken(sandboxRequest(live.sandbox));
    } catch (e) {
      assert.ok(e instanceof EntraError, String(e));
      return e;
    }
    throw new Error('expected a failure');
  };

  it('leg 1: the client secret, in every spelling, is gone from the error; the rest of the echo stays', async () => {
    live.sandbox.injectFaults({ kind: 'echo', status: 400 });
    const e = await failure();
    const everything = JSON.stringify([e.message, e.body, e.description]);
    for (const spelling of [SECRET, encodeURIComponent(SECRET), new URLSearchParams({ v: SECRET }).toString().slice(2)])
      assert.ok(!everything.includes(spelling), `${spelling} in ${everything}`);
    assert.match(e.description ?? '', /client_secret=\[redacted\]/);
    assert.match(e.description ?? '', new RegExp(`fmi_path=${AGENT}`), 'what is not secret is still shown');
  });

  it('leg 2: T1, sent as client_assertion, is gone from the error', async () => {
    live.sandbox.injectFaults({ kind: 'pass' }, { kind: 'echo', status: 401 });
    const e = await failure();
    const t1 = live.sandbox.requests[1]?.params.client_assertion;
    assert.ok(t1 && t1.length > 100, 'the sandbox saw T1');
    assert.ok(!JSON.stringify(e.body).includes(t1.slice(0, 40)), 'no part of T1 survives');
    assert.match(e.description ?? '', /client_assertion=\[redacted\]/);
  });

  it('in the CLI, neither stderr nor stdout holds the secret', async () => {
    live.sandbox.injectFaults({ kind: 'echo', status: 400 });
    const r = await cli(tokenArgs(), { S: SECRET });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /client_secret=\[redacted\]/);
    for (const spelling of [SECRET, new URLSearchParams({ v: SECRET }).toString().slice(2)])
      assert.ok(!(r.stderr + r.stdout).includes(spelling));
  });

  // The test's own decoding, not the code's: every \uXXXX, &#N; and base64 run (MIME line breaks joined) undone,
  // and what base64 held percent-decoded (a form body), then searched.
  const decodedEverywhere = (text: string): string => {
    const unescaped = text
      .replace(/\\r\\n/g, '')
      .replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
      .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)));
    const base64Runs = [...unescaped.replace(/\r\n/g, '').matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)].map((m) => {
      const bytes = Buffer.from(m[0], 'base64').toString('latin1');
      try {
        return `${bytes}\n${decodeURIComponent(bytes.replace(/\+/g, ' '))}`;
      } catch {
        return bytes;
      }
    });
    return [unescaped, ...base64Runs].join('\n');
  };
  const ENCODINGS = ['json-unicode-escapes', 'base64', 'base64-mime', 'html-references'] as const;

  for (const encoding of ENCODINGS)
    it(`promise: an echo spelled with ${encoding} gives back neither the secret (leg 1) nor T1 (leg 2)`, async () => {
      live.sandbox.injectFaults({ kind: 'echo', status: 400, encoding });
      const leg1 = await failure();
      const said1 = decodedEverywhere(JSON.stringify([leg1.message, leg1.body]));
      assert.match(said1, /fmi_path=/, 'the echo is there, decoded by the test');
      assert.ok(!said1.includes(SECRET), `the secret is back: ${said1.slice(0, 300)}`);

      live.sandbox.injectFaults({ kind: 'pass' }, { kind: 'echo', status: 401, encoding });
      const leg2 = await failure();
      const t1 = live.sandbox.requests.at(-1)?.params.client_assertion;
      assert.ok(t1 && t1.length > 100, 'the sandbox saw T1');
      const said2 = decodedEverywhere(JSON.stringify([leg2.message, leg2.body]));
      for (const part of [t1, ...t1.split('.').slice(1)])
        assert.ok(!said2.includes(part), `T1 (or a segment of it) is back: ${said2.slice(0, 300)}`);
    });

  it('promise: the CLI prints no secret an escaped echo carried (text and --json)', async () => {
    for (const [json, encoding] of [
      [false, 'json-unicode-escapes'],
      [true, 'json-unicode-escapes'],
      [false, 'base64'],
      [true, 'base64-mime'],
    ] as const) {
      live.sandbox.injectFaults({ kind: 'echo', status: 400, encoding });
      const r = await cli([...tokenArgs(), ...(json ? ['--json'] : [])], { S: SECRET });
      assert.equal(r.code, 3, r.stderr);
      const said = decodedEverywhere(r.stdout + r.stderr);
      assert.match(said, /fmi_path=/, `the echo is shown (json ${json}, ${encoding})`);
      assert.ok(!said.includes(SECRET), `json ${json}, ${encoding}: ${said.slice(0, 400)}`);
    }
  });

  it('a plain-text echo cut at its 200th character loses the secret whole, not all but its start', async () => {
    // A gateway's text/plain page repeating the secret across the cut the description is made with.
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`${'x'.repeat(190)}${SECRET} and more`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const engine = new AgentTokenEngine({ retryBaseDelayMs: 1 });
    try {
      await engine.getAutonomousToken(
        sandboxRequest({ authority: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
      );
      assert.fail('expected a refusal');
    } catch (e) {
      assert.ok(e instanceof EntraError, String(e));
      const said = JSON.stringify([e.message, e.body, e.description]);
      assert.ok(!said.includes(SECRET.slice(0, 8)), said.slice(0, 400));
      assert.match(e.description ?? '', /\[redacted\]/);
    } finally {
      await engine.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('blanks name=value pairs of credential parameters even when the value is not one we sent', () => {
    const text =
      'got client_secret=abc123xyz&scope=s and {"refresh_token":"rt-999","password": "pw1"} assertion=eyJa.b.c';
    assert.equal(
      scrubSentValues(text, {}),
      'got client_secret=[redacted]&scope=s and {"refresh_token":"[redacted]","password": "[redacted]"} assertion=[redacted]',
    );
    assert.equal(
      scrubSentValues('said "s\\"ecret!" back', { client_secret: 's"ecret!' }),
      'said "[redacted]" back',
      'the JSON-escaped spelling too',
    );
  });
});
