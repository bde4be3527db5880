// The matcher behind sentValues.ts (a chunk of its own, dist/guard.js, loaded on first use): what stands for a value
// sent as a credential, and where it stands in a text, in one canonical form. The text is decoded, each decoded
// character remembering where it came from, of JSON and JavaScript escapes (\u0073, \x73, \/), percent-encoding
// (%73), HTML character references (&#115; &#x73; &amp;) and fullwidth forms (ｓ), with invisible characters
// (zero-width, bidi, tag characters, soft hyphens) dropped; three rounds, for nested encodings. A value, its JWT
// segments and its base64 and base64url forms (at every byte alignment) are looked for there, and each match is
// removed from the original text.
import { isSecretParameter, REDACTED } from './secretParameters';

/** What stands where a value sent as a credential was. */
export const WITHHELD = REDACTED;

/** Parameter names whose values an echoing server's text must never carry, in any spelling of `name=value`. */
const ECHOED_PAIR =
  /\b(client_secret|client_assertion|assertion|refresh_token|password|user_federated_identity_credential)("?\s*[=:]\s*"?)([^&\s"',;<>]+)/gi;

/**
 * Server text about a request (an error body's decoded string) with every credential or token value that request
 * sent removed, in any spelling an echo would use (as sent, form-, percent- or JSON-escaped, as HTML references,
 * base64 or base64url: `removeEncoded` compares in one canonical form), and any `client_secret=…`-style pair blanked.
 * Applied before the text is kept, shown or logged: a proxy or a debugging server that echoes the request must not
 * put the secret into stderr or the log.
 */
export function scrubSentValues(text: string, params: Readonly<Record<string, string>>): string {
  const needles = Object.entries(params)
    .filter(([name, value]) => isSecretParameter(name) && value.length >= 4)
    .flatMap(([, value]) => spellingsOf(value, 4));
  return removeEncoded(text, needles).replace(
    ECHOED_PAIR,
    (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`,
  );
}

/**
 * A value and what stands for it: a JWT's payload and signature segments (each a token's secret part), and the
 * base64 and base64url forms of each at the three byte alignments a value can have inside a longer encoded text
 * (only the characters that depend on the value's bytes alone).
 */
export function spellingsOf(value: string, min = 8): string[] {
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
export function removeEncoded(text: string, needles: Needles | readonly string[], replacement = WITHHELD): string {
  const index = needles instanceof Needles ? needles : new Needles(needles);
  if (text.length === 0 || index.empty) return text;
  const spans = index.spans(text);
  if (MAY_ENCODE.test(text)) {
    const { canonical, start, end } = canonicalOf(text);
    if (canonical !== text) for (const [from, to] of index.spans(canonical)) spans.push([start[from]!, end[to - 1]!]);
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

/** A needle's first WINDOW characters are hashed; a text is read once, whatever the number of needles. */
const WINDOW = 8;
const BASE = 31;
let POWER = 1;
for (let k = 0; k < WINDOW - 1; k++) POWER = Math.imul(POWER, BASE);
const hashAt = (s: string, i: number) => {
  let h = 0;
  for (let k = 0; k < WINDOW; k++) h = (Math.imul(h, BASE) + s.charCodeAt(i + k)) | 0;
  return h;
};
const bucket = (h: number) => (h ^ (h >>> 16)) & 0xffff;

/**
 * Strings to look for, each as given and (when it holds an escape, a % or a non-ASCII character) in canonical form:
 * a text is scanned once with a rolling hash of WINDOW characters (a 64 K filter, then the needles of that hash), so
 * the cost is the text's length, not the text's length times the number of needles.
 */
export class Needles {
  private readonly byHash = new Map<number, string[]>();
  private readonly filter = new Uint8Array(1 << 16);
  /** Shorter than WINDOW: looked for one by one. */
  private readonly short: string[] = [];

  constructor(needles: Iterable<string>) {
    const all = new Set<string>();
    for (const n of needles) {
      if (!n) continue;
      all.add(n);
      // A value that itself holds "%41" or "\\" is looked for decoded too, as the text is.
      if (MAY_ENCODE.test(n)) all.add(canonicalOf(n).canonical);
    }
    for (const n of all) {
      if (n.length < WINDOW) {
        this.short.push(n);
        continue;
      }
      const h = hashAt(n, 0);
      this.filter[bucket(h)] = 1;
      const list = this.byHash.get(h);
      if (list) list.push(n);
      else this.byHash.set(h, [n]);
    }
  }

  get empty(): boolean {
    return this.byHash.size === 0 && this.short.length === 0;
  }

  /** Where the needles stand in `text`: [start, end) each. */
  spans(text: string): [number, number][] {
    const out: [number, number][] = [];
    if (text.length >= WINDOW && this.byHash.size) {
      let h = hashAt(text, 0);
      for (let i = 0; ; i++) {
        if (this.filter[bucket(h)])
          for (const n of this.byHash.get(h) ?? []) if (text.startsWith(n, i)) out.push([i, i + n.length]);
        if (i + WINDOW >= text.length) break;
        h = (Math.imul(h - Math.imul(text.charCodeAt(i), POWER), BASE) + text.charCodeAt(i + WINDOW)) | 0;
      }
    }
    for (const n of this.short)
      for (let at = text.indexOf(n); at >= 0; at = text.indexOf(n, at + 1)) out.push([at, at + n.length]);
    return out;
  }
}

// Invisible characters an echo could slip into a value: soft hyphen, the Arabic letter mark, the Mongolian vowel
// separator, zero-width characters and joiners, LRM/RLM and the bidi embeddings, overrides and isolates, word joiner
// and invisible operators, variation selectors, BOM, and the Unicode tag characters.
function invisible(c: number): boolean {
  return (
    c === 0xad ||
    c === 0x61c ||
    c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    c === 0xfeff ||
    (c >= 0xe0000 && c <= 0xe007f)
  );
}
const ENTITIES: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', sol: '/', equals: '=' };
const MAY_ENCODE = /[\\%&\u0080-\uffff]/;

/** The text decoded of escapes, percent-encoding, entities and fullwidth forms, invisibles dropped; for each
 * character of the result, the span [start, end) of the original text it came from. */
export function canonicalOf(text: string): { canonical: string; start: Int32Array; end: Int32Array } {
  let canonical = text;
  let start = new Int32Array(text.length);
  let end = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
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

const UTF16 = new TextDecoder('utf-16le');
const ESCAPE = /\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\/"'`]))/y;
const PERCENT = /%([0-9a-fA-F]{2})/y;
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));/y;

/** One round of decoding; each output code unit knows the span [from, to) of the input it came from. */
function decodeOnce(text: string): { text: string; from: Int32Array; to: Int32Array } {
  // The output is never longer than the input: every decoding maps one or more units to at most as many.
  const units = new Uint16Array(text.length);
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  let n = 0;
  const emit = (chars: string, a: number, b: number) => {
    for (let k = 0; k < chars.length; k++) {
      units[n] = chars.charCodeAt(k);
      from[n] = a;
      to[n++] = b;
    }
  };
  const at = (re: RegExp, i: number) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let m: RegExpExecArray | null;
    if (c === 0x5c && (m = at(ESCAPE, i))) {
      const code = m[1] ?? m[2] ?? m[3];
      emit(code !== undefined ? fromCode(parseInt(code, 16)) : m[4]!, i, i + m[0].length);
      i += m[0].length;
    } else if (c === 0x25 && (m = at(PERCENT, i))) {
      emit(String.fromCharCode(parseInt(m[1]!, 16)), i, i + 3);
      i += 3;
    } else if (c === 0x26 && (m = at(REFERENCE, i))) {
      const ch = m[1] ? fromCode(Number(m[1])) : m[2] ? fromCode(parseInt(m[2], 16)) : ENTITIES[m[3]!.toLowerCase()];
      const length = ch === undefined ? 1 : m[0].length;
      emit(ch ?? '&', i, i + length);
      i += length;
    } else if (c < 0x80) {
      units[n] = c;
      from[n] = i;
      to[n++] = ++i;
    } else {
      const code = text.codePointAt(i)!;
      const width = code > 0xffff ? 2 : 1;
      if (invisible(code)) {
        // dropped: the characters on either side now touch
      } else if (code >= 0xff01 && code <= 0xff5e) {
        units[n] = code - 0xfee0;
        from[n] = i;
        to[n++] = i + 1;
      } else
        for (let k = 0; k < width; k++) {
          units[n] = text.charCodeAt(i + k);
          from[n] = i;
          to[n++] = i + width;
        }
      i += width;
    }
  }
  return { text: UTF16.decode(units.subarray(0, n)), from: from.subarray(0, n), to: to.subarray(0, n) };
}

function fromCode(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
}
