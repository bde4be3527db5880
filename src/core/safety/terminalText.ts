/**
 * Text from outside (a token, a server, a file) on its way to a terminal. A terminal acts on control characters: ESC
 * and the C1 controls start escape sequences (OSC 52 sets the clipboard, OSC 8 makes links, CSI moves the cursor and
 * rewrites lines), BEL rings, CR overwrites a line; bidi overrides make the shown text differ from the real one.
 * Every such character becomes a visible `\uXXXX`, so the output says what it holds and does nothing.
 */

// C0 controls, DEL, C1 controls, the Arabic letter mark, LRM/RLM, the bidi embeddings/overrides and isolates, and the
// Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, but a line feed is kept: for whole output, built by us.
const UNSAFE_BUT_LF =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One field from outside, for one line of a terminal: every control and bidi character escaped, newlines too. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * Whole output on its way to stdout or stderr, as a last line of defence behind the per-field escaping: lines stay
 * lines, every other control or bidi character is escaped. Inside JSON text the result is the same JSON (the characters
 * it escapes can only stand inside strings, where `\uXXXX` means the same character).
 */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE_BUT_LF, escape);
}

/** Whether text holds a character a terminal would act on (tests and checks). */
export function hasTerminalControl(text: string, allowLineFeeds = false): boolean {
  return new RegExp((allowLineFeeds ? UNSAFE_BUT_LF : UNSAFE).source).test(text);
}
