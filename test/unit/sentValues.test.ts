// SECURITY.md, "the values sent never leave, whatever encoding carried them": the canonical matcher (sentValues.ts)
// and the last guard at every face's writer. The encoders here are the test's own, not the code's.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logLine } from '../../src/core/safety/redact';
import { scrubSentValues, WITHHELD } from '../../src/core/safety/encodedMatch';
import { forgetSent, rememberSent, withholdSent, withholdSentIn } from '../../src/core/safety/sentValues';
import { guardedResult } from '../../src/core/tools/agentTools';
import { withoutToken, TOKEN_PLACEHOLDER } from '../../src/core/api/apiExplain';
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
  // Found by an attacker's review (each was a leak before): a form body's base64, MIME-wrapped base64, hex, deeper
  // nesting, escapes of other languages, references without semicolons, more invisible characters, a BOM in front.
  'base64 of a form body (a ~ is %7E there)': (v) =>
    Buffer.from(`client_id=x&${new URLSearchParams({ client_secret: v }).toString()}&scope=y`).toString('base64'),
  'base64 wrapped at 76 characters with CRLF (MIME)': (v) =>
    (
      Buffer.from(`${'p'.repeat(50)}${v}`)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n'),
  'base64 of a JSON body with \\u escapes': (v) =>
    Buffer.from(JSON.stringify({ s: [...v].map((c) => `\\u${hex4(c)}`).join('') })).toString('base64'),
  hex: (v) => Buffer.from(v).toString('hex'),
  'upper-case hex': (v) => Buffer.from(v).toString('hex').toUpperCase(),
  'four rounds of percent-encoding': (v) =>
    [1, 2, 3, 4].reduce((t) => [...t].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''), v),
  '%u escapes': (v) => [...v].map((c) => `%u${hex4(c)}`).join(''),
  'Python \\U escapes': (v) => [...v].map((c) => `\\U${hex4(c).padStart(8, '0')}`).join(''),
  'octal escapes': (v) => [...v].map((c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`).join(''),
  'HTML hex references without semicolons': (v) => [...v].map((c) => `&#x${c.charCodeAt(0).toString(16)}`).join(''),
  'HTML eight-digit references': (v) => [...v].map((c) => `&#${String(c.charCodeAt(0)).padStart(8, '0')};`).join(''),
  'HTML named references': (v) =>
    v.replace(/_/g, '&lowbar;').replace(/\./g, '&period;').replace(/~/g, '&tilde;').replace(/-/g, '&hyphen;'),
  'quoted-printable soft breaks': (v) => (v.match(/.{1,7}/g) ?? []).join('=\r\n'),
  'line breaks inside': (v) => (v.match(/.{1,9}/g) ?? []).join('\n'),
  'literal \\n escapes inside': (v) => (v.match(/.{1,9}/g) ?? []).join('\\n'),
  'NUL between characters': (v) => [...v].join('\u0000'),
  'Hangul fillers and a combining grapheme joiner between characters': (v) => [...v].join('\u3164\u034f\uffa0'),
  'interlinear annotation marks between characters': (v) => [...v].join('\ufff9\ufffb'),
  'a BOM, then JSON escapes': (v) => `\ufeff${[...v].map((c) => `\\u${hex4(c)}`).join('')}`,
};

/** Encodings whose every character is the value's: the output must be exactly the text around, and the mark. */
const EXACT = new Set([
  'as is',
  'form-encoded',
  'every character percent-encoded',
  'lower-case percent-encoded',
  'JSON \\u escapes',
  'HTML decimal references',
  'HTML hex references without semicolons',
  'four rounds of percent-encoding',
  'octal escapes',
  'quoted-printable soft breaks',
  'NUL between characters',
]);

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
      if (EXACT.has(name)) assert.equal(out, `before ${WITHHELD} after`, 'nothing of it left, nothing else taken');
      if (name.startsWith('a BOM')) assert.equal(out, `before \ufeff${WITHHELD} after`, 'no span shifted by the BOM');
    });

  it('a secret with spaces: as a form body spells it (+ for each space), raw or in the base64 of that body', () => {
    // Found by a mutation audit: Entra accepts any printable secret, and a form body writes a space as "+".
    const spaced = 'my secret value with spaces 0123~456789';
    rememberSent(spaced);
    const form = new URLSearchParams({ client_id: 'x', client_secret: spaced, scope: 'y' }).toString();
    assert.match(form, /my\+secret\+value/, "the test's own encoder writes + for a space");
    for (const text of [form, Buffer.from(form).toString('base64'), `echo: ${form.replace(/&/g, '&amp;')}`]) {
      const out = withholdSent(text);
      assert.ok(!/my\+secret|secret\+value|spaces\+0123/.test(out), out);
      assert.ok(out.includes(WITHHELD), out);
    }
    const echoed = scrubSentValues(`{"error_description":"bad ${form.replace(/&/g, ' ')}"}`, {
      client_secret: spaced,
    });
    assert.ok(!/my\+secret|secret\+value/.test(echoed), echoed);
  });

  it('a text that starts with a BOM: no span shifts, nothing of the value is left, nothing else is taken', () => {
    rememberSent(SECRET);
    const escaped = [...SECRET].map((c) => `\\u${hex4(c)}`).join('');
    assert.equal(withholdSent(`\ufeff${escaped}`), `\ufeff${WITHHELD}`);
    assert.equal(withholdSent(`\ufeffprefix-${SECRET}-suffix`), `\ufeffprefix-${WITHHELD}-suffix`);
    // A BOM written as a nested escape before it: each round's BOM is kept as text, the value alone is taken.
    assert.equal(withholdSent(`\ufeff\\u005cufeff${escaped}`), `\ufeff\\u005cufeff${WITHHELD}`);
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
        if (name.startsWith('base64 ') && !/into a longer text/.test(name)) {
          // Encodings that carry text around the value: what is left decodes to that text, nothing of the token.
          const left = said.body.replace(/\r\n/g, '');
          for (const run of left.match(/[A-Za-z0-9+/]{8,}/g) ?? [])
            assert.ok(!Buffer.from(run, 'base64').toString('latin1').includes(part.slice(0, 12)), `${name}: ${left}`);
        } else assert.ok(said.body.length - TOKEN_PLACEHOLDER.length - 2 <= 8, `${name}: ${said.body}`);
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
