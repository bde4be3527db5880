// Values a request sent as a credential (a client secret, an assertion, T1, a user's token, a refresh token, a
// password) must never come back out through a face, whatever spelling a server echoed them in. Two layers use this:
// the token client scrubs each error body's decoded strings with the values of its own request
// (encodedMatch.scrubSentValues), and every face's writer (the CLI's stdout and stderr, the log seam, the agent
// tools' results, the sidecar's ProblemDetails) passes its text through `withholdSent`, which knows every value this
// process sent. One memory per process: this module is in the `shared` chunk, so the engine that remembers and the
// writers that check share it. The matcher (encodedMatch.ts: the canonical form, the spellings) is a chunk of its
// own, loaded the first time there is something to look for: never at activation.

/** What sentValues needs of the matcher (encodedMatch.ts), named here so that this module imports nothing. */
interface Matcher {
  Needles: new (needles: Iterable<string>) => Index;
  spellingsOf(value: string): string[];
  removeEncoded(text: string, needles: Index): string;
}
/** The matcher's index of needles (encodedMatch.Needles), opaque here. */
interface Index {
  readonly empty: boolean;
}

/** Shorter values are not remembered: too likely to occur by chance in ordinary text. */
const MIN_REMEMBERED = 8;
/** The most recent values only: a long-running process sends new assertions every hour. */
const MAX_REMEMBERED = 256;

const remembered = new Set<string>();
/** Every remembered value's spellings, indexed; made again only after the memory changed. */
let rememberedIndex: Index | undefined;

let loaded: Matcher | undefined;
/** The matcher, on first use (a require the bundler points at dist/guard.js). */
function matcher(): Matcher {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous lazy load, for the log seam
  return (loaded ??= require('./encodedMatch') as Matcher);
}

/** Remembers a value this process sent as a credential, so no face can print it afterwards. */
export function rememberSent(value: string): void {
  if (value.length < MIN_REMEMBERED || remembered.has(value)) return;
  remembered.add(value);
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
  rememberedIndex = undefined;
}

/** Forgets every remembered value (tests). */
export function forgetSent(): void {
  remembered.clear();
  rememberedIndex = undefined;
}

/**
 * Text on its way out of a face, with every value this process sent (and the `also` values, say the token an
 * API call used) removed in whatever spelling it stands.
 */
export function withholdSent(text: string, also: readonly string[] = []): string {
  return withhold(text, alsoIndex(also));
}

/** Every string in a JSON-like structure passed through `withholdSent` (keys included); the structure is copied. */
export function withholdSentIn<T>(value: T, also: readonly string[] = []): T {
  const extra = alsoIndex(also);
  return mapStrings(value, (s) => withhold(s, extra));
}

function alsoIndex(also: readonly string[]): Index | undefined {
  const values = also.filter((v) => v.length >= MIN_REMEMBERED);
  if (!values.length) return undefined;
  const { Needles, spellingsOf } = matcher();
  return new Needles(values.flatMap((v) => spellingsOf(v)));
}

function withhold(text: string, extra: Index | undefined): string {
  if (remembered.size === 0 && !extra) return text;
  const { Needles, removeEncoded, spellingsOf } = matcher();
  rememberedIndex ??= new Needles([...remembered].flatMap((v) => spellingsOf(v)));
  const out = removeEncoded(text, rememberedIndex);
  return extra ? removeEncoded(out, extra) : out;
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
