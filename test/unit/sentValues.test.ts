// SECURITY.md, "the values sent never leave, whatever encoding carried them": the canonical matcher (sentValues.ts)
// and the last guard at every face's writer. The encoders here are the test's own, not the code's.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logLine } from '../../src/core/redact';
import { WITHHELD } from '../../src/core/encodedMatch';
import { forgetSent, rememberSent, withholdSent, withholdSentIn } from '../../src/core/sentValues';
import { guardedResult } from '../../src/core/agentTools';
import { withoutToken, TOKEN_PLACEHOLDER } from '../../src/core/apiExplain';
import { anyText } from '../arbitraries';
import { unsignedJwt } from '../jwtText';

const SECRET = 'Qx8~sEcReT.value_0123456789-abcdefABCDEF';
const hex4 = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');

/** Every way of spelling a value the test knows, each made here by hand. */
const ENCODERS: Record<string, (v: string) => string> = {
  'as is': (v) => v,
  'form-encoded': (v) => new URLSearchParams({ v }).toString().slice(2),
  'every character percent-encoded': (v) =>
    [...v].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  'lower-case percent-encoded': (v) => [...v].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
  'JSON \\u escapes': (v) => [...v].map((c) => `\\u${hex4(c)}`).join(''),
  'JSON \\u escapes, upper-case hex': (v) => [...v].map((c) => `\\u${hex4(c).toUpperCase()}`).join(''),
  'JavaScript \\x escapes': (v) => [...v].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  'JavaScript \\u{} escapes': (v) => [...v].map((c) => `\\u{${c.charCodeAt(0).toString(16)}}`).join(''),
  'HTML decimal references': (v) => [...v].map((c) => `&#${c.charCodeAt(0)};`).join(''),
  'HTML hex references': (v) => [...v].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(''),
  'fullwidth forms': (v) =>
    [...v].map((c) => (c > ' ' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(''),
  'zero-width spaces between characters': (v) => [...v].join('\u200b'),
  'Unicode tag characters between characters': (v) => [...v].join('\u{e0020}'),
  'bidi isolates and a soft hyphen between characters': (v) => [...v].join('\u2066\u00ad\u2069'),
  'percent inside JSON escapes (nested)': (v) =>
    [...v]
      .map((c) => `%${c.charCodeAt(0).toString(16)}`)
      .map((p) => [...p].map((c) => `\\u${hex4(c)}`).join(''))
      .join(''),
  'JSON escapes, form-encoded (nested)': (v) => encodeURIComponent([...v].map((c) => `\\u${hex4(c)}`).join('')),
  base64: (v) => Buffer.from(v).toString('base64'),
  base64url: (v) => Buffer.from(v).toString('base64url'),
  'base64 one byte into a longer text': (v) => Buffer.from(`x${v}yz`).toString('base64'),
  'base64 two bytes into a longer text': (v) => Buffer.from(`xy${v}z`).toString('base64'),
  'base64url two bytes into a longer text': (v) => Buffer.from(`{"${v}"}`).toString('base64url'),
};

describe('promise: a value sent as a credential never leaves, whatever encoding carried it', () => {
  afterEach(() => forgetSent());

  for (const [name, encode] of Object.entries(ENCODERS))
    it(`is found and removed when spelled ${name}`, () => {
      rememberSent(SECRET);
      const spelled = encode(SECRET);
      const text = `before ${spelled} after`;
      const out = withholdSent(text);
      assert.ok(!out.includes(spelled), out);
      assert.match(out, /^before /, 'the text before is kept');
      assert.match(out, / after$/, 'the text after is kept');
      assert.ok(out.includes(WITHHELD) || out.includes('[redacted]'), out);
    });

  it("a token's payload or signature alone, and an API's echo of the token in any spelling, become words", () => {
    const token = unsignedJwt({ alg: 'RS256', typ: 'JWT' }, { aud: 'api://x', oid: 'o'.repeat(30) }, 'S'.repeat(86));
    const [, payload, signature] = token.split('.');
    for (const [name, encode] of Object.entries(ENCODERS))
      for (const part of [token, payload!, signature!]) {
        const said = withoutToken({ body: `<${encode(part)}>`, nested: [{ v: encode(part) }] }, token);
        assert.ok(!JSON.stringify(said).includes(encode(part)), `${name}: ${JSON.stringify(said)}`);
        // An encoding's first and last characters mix in the bytes around the value (here "x", "yz", quotes):
        // those few stay, nothing of the value's own.
        assert.ok(said.body.includes(TOKEN_PLACEHOLDER), name);
        assert.ok(said.body.length - TOKEN_PLACEHOLDER.length - 2 <= 8, `${name}: ${said.body}`);
      }
  });

  it('remembers nothing short, and keeps everything not sent', () => {
    rememberSent('short');
    assert.equal(withholdSent('a short text'), 'a short text');
    rememberSent(SECRET);
    fc.assert(
      fc.property(anyText(60), (text) => {
        fc.pre(!text.includes(SECRET.slice(0, 8)));
        assert.equal(withholdSent(text), text);
      }),
      { numRuns: 500 },
    );
  });

  it('any text around any encoding of the value: the value is gone and the text around it stays', () => {
    rememberSent(SECRET);
    const encoders = Object.values(ENCODERS);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 0, max: encoders.length - 1 }),
        fc.string({ maxLength: 30 }),
        (before, which, after) => {
          const spelled = encoders[which]!(SECRET);
          const out = withholdSent(`${before}|${spelled}|${after}`);
          assert.ok(!out.includes(spelled), out);
          assert.ok(out.includes('|[redacted]|') || out.includes('[redacted]'), out);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the log seam withholds a remembered value, even one the 8 KB bound cuts in two', () => {
    rememberSent(SECRET);
    const line = `${'x'.repeat(8 * 1024 - 10)}${SECRET}`;
    const logged = logLine(line);
    assert.ok(!logged.includes(SECRET.slice(0, 10)), logged.slice(-80));
    assert.ok(!logLine(`said ${ENCODERS['JSON \\u escapes']!(SECRET)}`).includes('\\u0051\\u0078'));
  });

  it("the agent tools' last guard: no remembered value and no JWT in any string of a result", () => {
    rememberSent(SECRET);
    const token = unsignedJwt({ alg: 'none' }, { aud: 'x' });
    const result = guardedResult({
      structured: { a: [`x ${ENCODERS.base64!(SECRET)}`], b: { [SECRET]: token } },
      text: `t ${ENCODERS['HTML decimal references']!(SECRET)} ${token}`,
    });
    const all = JSON.stringify(result);
    assert.ok(!all.includes(ENCODERS.base64!(SECRET)) && !all.includes(SECRET), all);
    assert.ok(!all.includes(token), all);
    assert.deepEqual(withholdSentIn({ k: [SECRET] }), { k: [WITHHELD] });
  });

  it('matching stays linear: 1 MiB of escapes and entities is read in well under a second', () => {
    rememberSent(SECRET);
    const text = '\\u0041%41&#65;'.repeat(1 << 16);
    const started = performance.now();
    withholdSent(text);
    const ms = performance.now() - started;
    assert.ok(ms < 5_000, `${ms} ms`);
  });
});
