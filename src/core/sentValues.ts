// Values a request sent as a credential (a client secret, an assertion, T1, a user's token, a refresh token, a
// password) must never come back out through a face, whatever spelling a server echoed them in. Two layers use this:
// the token client scrubs each error body's decoded strings with the values of its own request, and every face's
// writer (the CLI's stdout and stderr, the log seam, the agent tools' results, the sidecar's ProblemDetails) passes
// its text through `withholdSent`, which knows every value this process sent. One copy per process: this module is
// in the `shared` chunk, so the engine that remembers and the writers that check share one memory.
//
// Matching is done in one canonical form: the text is decoded, with each decoded character remembering where it
// came from, of JSON and JavaScript escapes (\u0073, \x73, \/), percent-encoding (%73), HTML character references
// (&#115; &#x73; &amp;), fullwidth forms (ｓ), and with invisible characters (zero-width, bidi, tag characters,
// soft hyphens) dropped; three rounds, for nested encodings. A value, its JWT segments and its base64 and base64url
// forms (at every byte alignment) are looked for there, and each match is removed from the original text.

export const WITHHELD = '[redacted]';

/** Shorter values are not remembered: too likely to occur by chance in ordinary text. */
const MIN_REMEMBERED = 8;
/** The most recent values only: a long-running process sends new assertions every hour. */
const MAX_REMEMBERED = 256;

const remembered = new Map<string, readonly string[]>();

/** Remembers a value this process sent as a credential, so no face can print it afterwards. */
export function rememberSent(value: string): void {
  if (value.length < MIN_REMEMBERED) return;
  remembered.delete(value);
  remembered.set(value, spellingsOf(value));
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
}

/** Forgets every remembered value (tests). */
export function forgetSent(): void {
  remembered.clear();
}

/**
 * Text on its way out of a face, with every value this process sent (and the `also` values, say the token an
 * API call used) removed in whatever spelling it stands.
 */
export function withholdSent(text: string, also: readonly string[] = []): string {
  if (remembered.size === 0 && also.length === 0) return text;
  const needles: string[] = [];
  for (const spellings of remembered.values()) needles.push(...spellings);
  for (const value of also) if (value.length >= MIN_REMEMBERED) needles.push(...spellingsOf(value));
  return removeEncoded(text, needles);
}

/** Every string in a JSON-like structure passed through `withholdSent` (keys included); the structure is copied. */
export function withholdSentIn<T>(value: T, also: readonly string[] = []): T {
  return mapStrings(value, (s) => withholdSent(s, also));
}

/** A JSON-like structure with every string (keys included) passed through `f`; copied, never changed in place. */
export function mapStrings<T>(value: T, f: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * A value and what stands for it: a JWT's payload and signature segments (each a token's secret part), and the
 * base64 and base64url forms of each at the three byte alignments a value can have inside a longer encoded text
 * (only the characters that depend on the value's bytes alone).
 */
export function spellingsOf(value: string, min = MIN_REMEMBERED): string[] {
  const out = new Set<string>([value]);
  const parts = value.split('.');
  if (parts.length === 3 && value.startsWith('eyJ'))
    for (const part of parts.slice(1)) if (part.length >= 16) out.add(part);
  for (const v of [...out]) {
    const bytes = Buffer.from(v, 'utf8');
    for (let pad = 0; pad < 3; pad++) {
      const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
      // Character i holds bits [6i, 6i + 6) of the padded bytes: keep those wholly inside the value's bits.
      const first = Math.ceil((8 * pad) / 6);
      const last = Math.floor((8 * (pad + bytes.length)) / 6) - 1;
      const core = encoded.slice(first, last + 1);
      if (core.length >= min) {
        out.add(core);
        out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
  }
  return [...out];
}

/** The text with every occurrence of a needle, as it stands or in canonical form, replaced (by WITHHELD). */
export function removeEncoded(text: string, needles: readonly string[], replacement = WITHHELD): string {
  if (text.length === 0) return text;
  const wanted = new Set<string>();
  for (const n of needles) {
    if (n.length === 0) continue;
    wanted.add(n);
    // A value that itself holds "%41" or "\\" is looked for decoded too, as the text is.
    if (MAY_ENCODE.test(n)) wanted.add(canonicalOf(n).canonical);
  }
  if (wanted.size === 0) return text;
  const spans: [number, number][] = [];
  const find = (haystack: string, span: (at: number, length: number) => [number, number]) => {
    for (const needle of wanted)
      for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1))
        spans.push(span(at, needle.length));
  };
  find(text, (at, length) => [at, at + length]);
  if (MAY_ENCODE.test(text)) {
    const { canonical, start, end } = canonicalOf(text);
    if (canonical !== text) find(canonical, (at, length) => [start[at]!, end[at + length - 1]!]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let copied = 0;
  for (const [from, to] of spans) {
    if (to <= copied) continue;
    out += from >= copied ? text.slice(copied, from) + replacement : '';
    copied = to;
  }
  return out + text.slice(copied);
}

// Invisible characters an echo could slip into a value: soft hyphen, zero-width and joiners, LRM/RLM and the bidi
// embeddings, overrides and isolates, word joiner and invisible operators, BOM, and the Unicode tag characters.
const INVISIBLE =
  /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]|\udb40[\udc00-\udc7f]/;
const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', sol: '/', equals: '=' };
const MAY_ENCODE = /[\\%&\u0080-\uffff]/;

/** The text decoded of escapes, percent-encoding, entities and fullwidth forms, invisibles dropped; for each
 * character of the result, the span [start, end) of the original text it came from. */
export function canonicalOf(text: string): { canonical: string; start: Int32Array; end: Int32Array } {
  let canonical = text;
  let start = Int32Array.from({ length: text.length }, (_, i) => i);
  let end = Int32Array.from({ length: text.length }, (_, i) => i + 1);
  for (let round = 0; round < 3 && MAY_ENCODE.test(canonical); round++) {
    const next = decodeOnce(canonical);
    if (next.text === canonical) break;
    const s = new Int32Array(next.text.length);
    const e = new Int32Array(next.text.length);
    for (let i = 0; i < next.text.length; i++) {
      s[i] = start[next.from[i]!]!;
      e[i] = end[next.to[i]! - 1]!;
    }
    canonical = next.text;
    start = s;
    end = e;
  }
  return { canonical, start, end };
}

function decodeOnce(text: string): { text: string; from: number[]; to: number[] } {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  const emit = (chars: string, a: number, b: number) => {
    for (let k = 0; k < chars.length; k++) {
      out += chars[k];
      from.push(a);
      to.push(b);
    }
  };
  let i = 0;
  while (i < text.length) {
    let m: RegExpExecArray | null;
    const c = text[i]!;
    const rest = c === '\\' || c === '%' || c === '&' ? text.slice(i, i + 12) : '';
    if (
      c === '\\' &&
      (m = /^\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\/"'`]))/.exec(rest))
    ) {
      const code = m[1] ?? m[2] ?? m[3];
      const ch = code !== undefined ? fromCode(parseInt(code, 16)) : m[4]!;
      emit(ch, i, i + m[0].length);
      i += m[0].length;
    } else if (c === '%' && (m = /^%([0-9a-fA-F]{2})/.exec(rest))) {
      emit(String.fromCharCode(parseInt(m[1]!, 16)), i, i + 3);
      i += 3;
    } else if (c === '&' && (m = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));/.exec(rest))) {
      const ch = m[1] ? fromCode(Number(m[1])) : m[2] ? fromCode(parseInt(m[2], 16)) : ENTITIES[m[3]!.toLowerCase()];
      if (ch === undefined) {
        emit(c, i, i + 1);
        i += 1;
        continue;
      }
      emit(ch, i, i + m[0].length);
      i += m[0].length;
    } else {
      const pair = text.codePointAt(i)! > 0xffff ? text.slice(i, i + 2) : c;
      const code = pair.codePointAt(0)!;
      if (INVISIBLE.test(pair)) {
        // dropped: the characters on either side now touch
      } else if (code >= 0xff01 && code <= 0xff5e) emit(String.fromCharCode(code - 0xfee0), i, i + 1);
      else emit(pair, i, i + pair.length);
      i += pair.length;
    }
  }
  return { text: out, from, to };
}

function fromCode(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}
