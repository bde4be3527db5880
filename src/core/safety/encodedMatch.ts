// The matcher behind sentValues.ts (a chunk of its own, dist/guard.js, loaded on first use): what stands for a value
// sent as a credential, and where it stands in a text, in one canonical form. The text is decoded, each decoded
// character remembering where it came from, of JSON, JavaScript, Python and C escapes (\u0073, \u{73}, \x73,
// \U00000073, \163, \/), percent-encoding (%73, %u0073), HTML character references (&#115; &#x73 &amp; &lowbar;) and
// fullwidth forms (ｓ), with what does not show dropped (line breaks and quoted-printable soft breaks, NUL, tab, every
// default-ignorable and format character: zero-width, bidi, tags, fillers); round after round until nothing changes,
// for nested encodings. A value, its JWT segments, their base64 and base64url forms (at every byte alignment) and hex
// are looked for there; so is every base64 run of the text, decoded (and decoded again: a form body, a JSON body).
// Each match is removed from the original text.
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
 * A value and what stands for it: a JWT's payload and signature segments (each a token's secret part), a form body's
 * spelling of its spaces (`+`: the canonical form cannot read a `+` as a space, since a `+` is often itself), and the
 * base64 and base64url forms of each at the three byte alignments a value can have inside a longer encoded text
 * (only the characters that depend on the value's bytes alone).
 */
export function spellingsOf(value: string, min = 8): string[] {
  const out = new Set<string>([value]);
  if (value.includes(' ')) out.add(value.replace(/ /g, '+'));
  const parts = value.split('.');
  if (parts.length === 3 && value.startsWith('eyJ'))
    for (const part of parts.slice(1)) if (part.length >= 16) out.add(part);
  for (const v of [...out]) {
    const bytes = Buffer.from(v, 'utf8');
    const hex = bytes.toString('hex');
    out.add(hex).add(hex.toUpperCase());
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
  const { canonical, start, end } = MAY_ENCODE.test(text)
    ? canonicalOf(text)
    : { canonical: text, start: undefined, end: undefined };
  const toText = (from: number, to: number): [number, number] =>
    start && end ? [start[from]!, end[to - 1]!] : [from, to];
  if (canonical !== text) for (const [from, to] of index.spans(canonical)) spans.push(toText(from, to));
  for (const [from, to] of base64Spans(canonical, index)) spans.push(toText(from, to));
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

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const TEXT_ESCAPES = /[\\%&]/;

/**
 * Needles inside the base64 runs of a (canonical) text: each run decoded at its four possible alignments, searched
 * as bytes and, when the bytes are text that holds escapes (a form body, a JSON body), in their canonical form too.
 * Spans are of the text given.
 */
function base64Spans(text: string, index: Needles): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(BASE64_RUN)) {
    const run = m[0].replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    for (let offset = 0; offset < 4 && run.length - offset >= 16; offset++) {
      const usable = run.length - offset - ((run.length - offset) % 4 === 1 ? 1 : 0);
      const decoded = Buffer.from(run.slice(offset, offset + usable), 'base64').toString('latin1');
      // Byte b of the decoded text is made of the run's characters floor(8b / 6) to floor((8b + 7) / 6).
      const toRun = (from: number, to: number): [number, number] => [
        m.index! + offset + Math.floor((8 * from) / 6),
        m.index! + offset + Math.floor((8 * to - 1) / 6) + 1,
      ];
      for (const [from, to] of index.spans(decoded)) out.push(toRun(from, to));
      if (TEXT_ESCAPES.test(decoded)) {
        const inner = canonicalOf(decoded);
        for (const [from, to] of index.spans(inner.canonical)) out.push(toRun(inner.start[from]!, inner.end[to - 1]!));
      }
    }
  }
  return out;
}

/**
 * A needle's last WINDOW characters are hashed (its end is where values differ: tokens of one issuer share their
 * first hundreds of characters); a text is read once, whatever the number of needles.
 */
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
      const h = hashAt(n, n.length - WINDOW);
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
        // The window [i, i + WINDOW) is a needle's end: the needle starts at i + WINDOW - its length.
        if (this.filter[bucket(h)])
          for (const n of this.byHash.get(h) ?? []) {
            const at = i + WINDOW - n.length;
            if (at >= 0 && text.startsWith(n, at)) out.push([at, at + n.length]);
          }
        if (i + WINDOW >= text.length) break;
        h = (Math.imul(h - Math.imul(text.charCodeAt(i), POWER), BASE) + text.charCodeAt(i + WINDOW)) | 0;
      }
    }
    for (const n of this.short)
      for (let at = text.indexOf(n); at >= 0; at = text.indexOf(n, at + 1)) out.push([at, at + n.length]);
    return out;
  }
}

// What does not show, and so may stand inside a value unseen: every default-ignorable and format character (soft
// hyphen, Arabic and Syriac marks, Hangul fillers, zero-width characters and joiners, the bidi embeddings, overrides
// and isolates, invisible operators, variation selectors, the BOM, interlinear annotation, tags), as Unicode lists
// them (\p{Default_Ignorable_Code_Point} and \p{Cf}, written out here as ranges so that loading costs nothing).
const INVISIBLE_RANGES = [
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x600, 0x605],
  [0x61c, 0x61c],
  [0x6dd, 0x6dd],
  [0x70f, 0x70f],
  [0x890, 0x891],
  [0x8e2, 0x8e2],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
] as const;
function invisible(c: number): boolean {
  for (const [a, b] of INVISIBLE_RANGES) if (c >= a && c <= b) return true;
  return false;
}
/** Named references for the characters of secrets, tokens and their encodings. */
const ENTITIES: Record<string, string> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
  sol: '/',
  bsol: '\\',
  equals: '=',
  lowbar: '_',
  period: '.',
  tilde: '~',
  plus: '+',
  minus: '-',
  dash: '-',
  hyphen: '-',
  colon: ':',
  semi: ';',
  comma: ',',
  excl: '!',
  quest: '?',
  num: '#',
  dollar: '$',
  percnt: '%',
  ast: '*',
  commat: '@',
  lpar: '(',
  rpar: ')',
  lsqb: '[',
  rsqb: ']',
  lcub: '{',
  rcub: '}',
  verbar: '|',
  grave: '`',
  hat: '^',
  nbsp: ' ',
  tab: '',
  newline: '',
};
/** What may need decoding: an escape, a %, an &, a line break, tab or NUL, a non-ASCII character. */
const MAY_ENCODE = /[\\%&=\r\n\t\0\u0080-\uffff]/;

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
  // Until a round changes nothing; each one that changes something shortens the text, so this ends. Eight rounds
  // at most, which no legitimate text needs (every nested encoding but the last makes the text three times longer).
  for (let round = 0; round < 8 && MAY_ENCODE.test(canonical); round++) {
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

// ignoreBOM: a leading U+FEFF is a character of the text, not a mark to strip (it would shift every span by one).
const UTF16 = new TextDecoder('utf-16le', { ignoreBOM: true });
const ESCAPE =
  /\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|([0-3][0-7]{2})|([\\/"'`])|([nrt]))/y;
const PERCENT = /%(?:([0-9a-fA-F]{2})|[uU]([0-9a-fA-F]{4}))/y;
const REFERENCE = /&(?:#(\d{1,10});?|#[xX]([0-9a-fA-F]{1,8});?|([a-zA-Z]{2,8});)/y;
/** A quoted-printable soft line break: `=` at the end of a line. */
const SOFT_BREAK = /=\r?\n/y;

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
      const hex = m[1] ?? m[2] ?? m[3] ?? m[4];
      // \n, \r and \t are line breaks and tabs: dropped, as the characters themselves are.
      const ch = hex !== undefined ? fromCode(parseInt(hex, 16)) : m[5] ? fromCode(parseInt(m[5], 8)) : (m[6] ?? '');
      emit(ch, i, i + m[0].length);
      i += m[0].length;
    } else if (c === 0x25 && (m = at(PERCENT, i))) {
      emit(String.fromCharCode(parseInt(m[1] ?? m[2]!, 16)), i, i + m[0].length);
      i += m[0].length;
    } else if (c === 0x26 && (m = at(REFERENCE, i))) {
      const ch = m[1] ? fromCode(Number(m[1])) : m[2] ? fromCode(parseInt(m[2], 16)) : ENTITIES[m[3]!.toLowerCase()];
      const length = ch === undefined ? 1 : m[0].length;
      emit(ch ?? '&', i, i + length);
      i += length;
    } else if (c === 0x3d && (m = at(SOFT_BREAK, i))) {
      i += m[0].length;
    } else if (c === 0x0a || c === 0x0d || c === 0x09 || c === 0x00) {
      i += 1;
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
