// Property tests for the escaping and quoting functions the security promises rest on (SECURITY.md): generated
// strings full of control, bidi and shell characters; the output must hold none raw, and quoting must round-trip
// through a real sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describeFailure } from '../../src/cli/errors';
import { formatToken } from '../../src/cli/output';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { decodeToken } from '../../src/core/tokens/jwt';
import { posixQuote } from '../../src/core/safety/shellQuote';
import { terminalSafe, terminalSafeLines } from '../../src/core/safety/terminalText';
import { copyText } from '../../src/extension/inspector/inspectorModel';
import { untrusted } from '../../src/core/tools/agentTools';
import { withoutToken } from '../../src/core/api/apiExplain';
import { anyText, hostileJson } from '../arbitraries';
import { EVERY_CONTROL, hasRawControl, unsignedJwt } from '../hostile';

const RUNS = 1000;
const SHELL = [...'\'"$`\\!*?[]{}();&|<>~#=% \t\n'];
const pieces = [...EVERY_CONTROL, ...SHELL, 'a', 'Z', '0', '.', '-', 'é', '中', '😀', '\\u001b', 'eyJ'];
/** Text an attacker writes: mostly the characters terminals and shells act on. */
const hostileText = (maxLength = 30) => fc.array(fc.constantFrom(...pieces), { maxLength }).map((p) => p.join(''));
const unescape = (s: string) => s.replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('properties of the escaping and quoting functions (generated hostile text)', () => {
  it('terminalSafe: no raw control or bidi character survives, and what was there can be read back', () => {
    fc.assert(
      fc.property(hostileText(), (s) => {
        const out = terminalSafe(s);
        assert.ok(!hasRawControl(out), JSON.stringify(out));
        if (!s.includes('\\')) assert.equal(unescape(out), s, 'nothing is lost, only made visible');
      }),
      { numRuns: RUNS },
    );
  });

  it('terminalSafeLines on JSON output: only line feeds stay raw, and the JSON means the same', () => {
    const json = fc
      .jsonValue({ maxDepth: 3 })
      .chain((v) => fc.record({ v: fc.constant(v), s: hostileText(), k: hostileText(10) }));
    fc.assert(
      fc.property(json, ({ v, s, k }) => {
        const value = { [k]: s, v };
        const out = terminalSafeLines(JSON.stringify(value));
        assert.ok(!hasRawControl(out, true));
        assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: RUNS },
    );
  });

  it('the CLI token formatter: hostile claim names, values and headers leave only line feeds raw', () => {
    const claims = fc.dictionary(hostileText(12), fc.oneof(hostileText(), fc.jsonValue({ maxDepth: 2 })), {
      maxKeys: 6,
    });
    fc.assert(
      fc.property(claims, hostileText(), (c, kid) => {
        const token = decodeToken(
          unsignedJwt({ alg: 'RS256', kid }, { ...c, sub: `/eid1/c/pub/t/x/a/${kid}`, xms_act_fct: `11 ${kid}` }),
        );
        assert.ok(!hasRawControl(formatToken('t', token), true));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('the CLI error report: a hostile error body leaves only line feeds raw', () => {
    const body = fc.record({
      error: hostileText(),
      error_description: hostileText(80),
      trace_id: hostileText(),
      correlation_id: hostileText(),
      timestamp: hostileText(),
      error_codes: fc.array(fc.integer({ min: 0, max: 99_999_999 }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(body, fc.integer({ min: 400, max: 599 }), (b, status) => {
        const { message } = describeFailure(new EntraError(status, parseEntraErrorBody(JSON.stringify(b))));
        assert.ok(!hasRawControl(message, true), JSON.stringify(message));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('posixQuote: 1,000 hostile values come back from sh exactly as they went in', () => {
    const values = fc.sample(
      hostileText().filter((s) => !s.includes('\u0000')),
      { numRuns: 1000 },
    );
    const script = `printf '%s\\0' ${values.map(posixQuote).join(' ')}`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.deepEqual(out.split('\0').slice(0, -1), values);
  });

  it('Copy curl: for 300 hostile URLs, the line is refused or sh sees exactly curl, -H, the header and the URL', () => {
    const token = unsignedJwt({ alg: 'RS256' }, { aud: 'x' });
    const urls = fc.sample(
      fc.oneof(
        hostileText().map((s) => `https://h.example/${s}`),
        hostileText().map((s) => `${s}://${s}`),
        hostileText(),
      ),
      { numRuns: 300 },
    );
    const copies = urls.map((u) => copyText('curl', token, u));
    const lines = copies.flatMap((c) => ('text' in c ? [c.text] : []));
    assert.ok(lines.length > 50, `only ${lines.length} of 300 were http(s) URLs`);
    const script = `curl() { printf '%s\\0' "$#" "$@"; printf '\\1'; }\n${lines.join('\n')}`;
    const runs = execFileSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 })
      .split('\u0001')
      .slice(0, -1);
    assert.equal(runs.length, lines.length, 'each line ran curl once, and nothing else printed');
    runs.forEach((r, i) => {
      const [count, ...args] = r.split('\0').slice(0, -1);
      assert.equal(count, '3', lines[i]);
      assert.deepEqual(args.slice(0, 2), ['-H', `Authorization: Bearer ${token}`]);
      assert.match(args[2]!, /^https?:\/\//);
    });
  });

  it("the model's data block: for any hostile data, nothing raw a person cannot see, no < or > look-alike, one block, the same JSON", () => {
    // The test's own list of what may not stand raw in the block.
    const hidden = (c: number) =>
      (c >= 0x80 && c <= 0x9f) ||
      [
        0xad, 0x61c, 0x180e, 0xfeff, 0xff1c, 0xff1e, 0xfe64, 0xfe65, 0x2039, 0x203a, 0x3008, 0x3009, 0x27e8, 0x27e9,
        0x276c, 0x276d, 0x29fc, 0x29fd, 0x2f1, 0x2f2, 0x300a, 0x300b, 0xab, 0xbb, 0x34f, 0x3164, 0x115f, 0xffa0,
      ].includes(c) ||
      (c >= 0xfff9 && c <= 0xfffb) ||
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2060 && c <= 0x2064) ||
      (c >= 0x2066 && c <= 0x206f) ||
      (c >= 0xfe00 && c <= 0xfe0f) ||
      (c >= 0xe0000 && c <= 0xe007f) ||
      c === 0x3c ||
      c === 0x3e;
    fc.assert(
      fc.property(fc.oneof(hostileJson, anyText(60)), (data) => {
        const text = untrusted('label', { data });
        const body = text.slice(text.indexOf('<untrusted-data>\n') + 17, text.lastIndexOf('\n</untrusted-data>'));
        for (const ch of body) assert.ok(!hidden(ch.codePointAt(0)!), `U+${ch.codePointAt(0)!.toString(16)} raw`);
        assert.equal(text.split('</untrusted-data>').length, 2);
        assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify({ data })));
      }),
      { numRuns: RUNS },
    );
  });

  it('the token scrub: a token, its payload or signature, in JSON escapes, base64 or base64url, inside any text, is gone', () => {
    const token = unsignedJwt({ alg: 'RS256', typ: 'JWT' }, { aud: 'api://x', oid: 'o'.repeat(24) }, 's'.repeat(43));
    const [, payload, signature] = token.split('.');
    const encodings: ((v: string) => string)[] = [
      (v) => v,
      (v) => [...v].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
      (v) => Buffer.from(v).toString('base64'),
      (v) => Buffer.from(v).toString('base64url'),
      (v) => encodeURIComponent(v),
    ];
    fc.assert(
      fc.property(
        anyText(30),
        fc.constantFrom(token, payload!, signature!),
        fc.integer({ min: 0, max: encodings.length - 1 }),
        anyText(30),
        (before, part, which, after) => {
          const spelled = encodings[which]!(part);
          const out = withoutToken({ text: `${before} ${spelled} ${after}` }, token).text;
          assert.ok(!out.includes(spelled), out);
          assert.ok(out.includes('[the agent token]'), out);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
