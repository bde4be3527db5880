// Generators of what attackers and real tokens hold, for the property tests: full Unicode (lone surrogates, C0/C1,
// bidi), base64url segments of arbitrary bytes (invalid UTF-8 included), and structurally valid JWTs with hostile
// headers and claims. fast-check's default strings are printable ASCII only; these are not.
import { b64 } from './jwtText';
import fc from 'fast-check';

const code = (min: number, max: number) => fc.integer({ min, max });
const char = fc.oneof(
  { arbitrary: code(0x20, 0x7e).map((c) => String.fromCharCode(c)), weight: 8 },
  { arbitrary: code(0x00, 0x1f).map((c) => String.fromCharCode(c)), weight: 2 },
  { arbitrary: code(0x7f, 0x9f).map((c) => String.fromCharCode(c)), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '\u061c',
      '\u200e',
      '\u200f',
      '\u2028',
      '\u2029',
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ),
    weight: 2,
  },
  // What a person cannot see but a model reads (Unicode tag characters, zero-width characters, variation selectors,
  // NEL is among the C1 controls above) and look-alikes of < and > (fullwidth, small forms, angle brackets).
  { arbitrary: code(0xe0000, 0xe007f).map((c) => String.fromCodePoint(c)), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '\u200b',
      '\u200c',
      '\u200d',
      '\u2060',
      '\ufeff',
      '\u00ad',
      '\ufe0f',
      '\uff1c',
      '\uff1e',
      '\ufe64',
      '\ufe65',
      '\u2039',
      '\u203a',
      '\u3008',
      '\u3009',
      '\u27e8',
      '\u27e9',
      '\u276c',
      '\u29fd',
      '\u300a',
      '\u00ab',
      '\u034f',
      '\u3164',
      '\ufff9',
    ),
    weight: 1,
  },
  { arbitrary: code(0xd800, 0xdfff).map((c) => String.fromCharCode(c)), weight: 1 },
  { arbitrary: code(0xa0, 0xffff).map((c) => String.fromCharCode(c)), weight: 2 },
  { arbitrary: code(0x10000, 0x10ffff).map((c) => String.fromCodePoint(c)), weight: 1 },
  { arbitrary: fc.constantFrom('eyJ', '.', '-', '_', '=', '"', '\\', '{', '}'), weight: 2 },
);

/** Any text at all, weighted toward what terminals, parsers and shells react to. */
export const anyText = (maxLength = 40) => fc.array(char, { maxLength }).map((cs) => cs.join(''));

/** base64url of arbitrary bytes: most are not UTF-8, let alone JSON. */
export const bytesSegment = fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url'));

/** JSON with hostile shapes: __proto__/constructor keys, huge and odd numbers, deep nesting, hostile strings. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyText(20),
    fc.constantFrom(1e308, -1e308, 2 ** 64, -0, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0, -1),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(anyText(8), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString')),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

/** Claim names real tokens use, so the explainer's per-claim code runs on hostile values of the right names. */
const KNOWN_CLAIMS = [
  'aud',
  'iss',
  'iat',
  'nbf',
  'exp',
  'ver',
  'azp',
  'appid',
  'azpacr',
  'appidacr',
  'idtyp',
  'oid',
  'tid',
  'sub',
  'roles',
  'scp',
  'xms_par_app_azp',
  'xms_act_fct',
  'xms_sub_fct',
  'xms_tnt_fct',
  'upn',
];

/** Claims where the names are real and the values are anything: arrays where strings belong, strings where numbers do. */
const MiB = 1 << 20;
/** Values of a megabyte, in the shapes the explainer reads (an fmi path, facets, a plain string). Made once. */
const HUGE = ['A'.repeat(MiB), `/eid1/c/pub/t/x/a/${'y'.repeat(MiB)}`, '11 '.repeat(MiB / 3), '\u202e'.repeat(MiB / 4)];
/** The megabyte values, for checks that put each where the explainer reads it, once (not at random). */
export const HUGE_VALUES: readonly string[] = HUGE;

const claimsOf = (huge: boolean) =>
  fc.dictionary(
    fc.oneof(
      { arbitrary: fc.constantFrom(...KNOWN_CLAIMS, '__proto__'), weight: 3 },
      { arbitrary: anyText(12), weight: 1 },
    ),
    fc.oneof(
      { arbitrary: hostileJson, weight: 60 },
      {
        arbitrary: fc.constantFrom(
          '/eid1/c/pub/t/x/a/y/z',
          '11 13 9',
          '1',
          '2',
          'fb60f99c-7a34-4190-8149-302f77469936',
        ),
        weight: 30,
      },
      ...(huge ? [{ arbitrary: fc.constantFrom(...HUGE), weight: 1 }] : []),
    ),
    { maxKeys: 10 },
  );
export const hostileClaims = claimsOf(true);

const jwtOf = (claims: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .record({
      header: fc.dictionary(
        fc.oneof(fc.constantFrom('alg', 'kid', 'typ', 'nonce', 'x5t', '__proto__'), anyText(6)),
        hostileJson,
        { maxKeys: 5 },
      ),
      claims,
      signature: fc.oneof(bytesSegment, fc.constant('')),
    })
    .map(({ header, claims, signature }) => ({ raw: `${b64(header)}.${b64(claims)}.${signature}`, header, claims }));

/** A structurally valid JWT (three base64url parts, JSON header and payload) whose contents are hostile. */
export const hostileJwt = jwtOf(hostileClaims);
/**
 * The same without the megabyte values: for properties whose every run explains, compares and renders both tokens
 * (at random, one run in ten carried a megabyte, and the property took 5–13 s); the megabytes are checked once each.
 */
export const hostileJwtBounded = jwtOf(claimsOf(false));

/** Text shaped like a token: a hostile JWT or dot-separated segments of arbitrary bytes or JSON, with junk around it. */
export const tokenShapedText = fc
  .tuple(
    fc.oneof(
      hostileJwt.map((t) => t.raw),
      fc
        .array(fc.oneof(bytesSegment, hostileJson.map(b64), anyText(10)), { minLength: 1, maxLength: 6 })
        .map((s) => s.join('.')),
    ),
    fc.constantFrom('', ' ', 'Bearer ', '\n'),
    fc.constantFrom('', '\n', '\u0000', ' '),
  )
  .map(([token, before, after]) => `${before}${token}${after}`);
