import { isSecretParameter, REDACTED } from './secretParameters';
import { withholdSent } from './sentValues';

export { isSecretParameter, REDACTED };

export function redactParameters(params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = isSecretParameter(k) ? REDACTED : v;
  return out;
}

const B64URL = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') B64URL[c.charCodeAt(0)] = 1;
const isB64url = (text: string, i: number) => i >= 0 && i < text.length && B64URL[text.charCodeAt(i)] === 1;
function runEnd(text: string, i: number): number {
  while (isB64url(text, i)) i++;
  return i;
}

/** A log line is cut to this many characters before anything else is done with it. */
export const MAX_LOG_LINE = 8 * 1024;

/**
 * For log lines: anything shaped like a JWT (eyJ…, three base64url parts) becomes its first characters and a marker.
 * The same matches as /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\/g, found by a scan: that pattern retried
 * every "eyJ" of "eyJeyJeyJ…" to the end of the run (80 KB took 4.7 s, 8 MiB overflowed V8's backtracking stack).
 * Here a failed start skips its whole run of base64url characters, since every later "eyJ" in the run ends where it
 * does and fails the same way; each character is read at most twice.
 */
export function redactTokens(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const start = text.indexOf('eyJ', from);
    if (start < 0) break;
    const end1 = runEnd(text, start);
    from = end1;
    if (end1 - start < 7 || text[end1] !== '.') continue;
    const end2 = runEnd(text, end1 + 1);
    if (end2 === end1 + 1 || text[end2] !== '.') continue;
    const end3 = runEnd(text, end2 + 1);
    out += `${text.slice(copied, start)}${text.slice(start, start + 8)}…[token redacted]`;
    copied = from = end3;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A line for the log: bounded first (text from outside can be any size), then rid of every value this process sent
 * as a credential (sentValues.ts; read with a margin past the bound, so a value the bound cuts is still found
 * whole), then redacted. A token cut in half by the bound is still redacted, since the pattern needs no end.
 */
export function logLine(text: string, max = MAX_LOG_LINE): string {
  const withheld = withholdSent(text.length > max + LOG_MARGIN ? text.slice(0, max + LOG_MARGIN) : text);
  const bounded =
    withheld.length > max ? `${withheld.slice(0, max)}… [${text.length - max} more characters not logged]` : withheld;
  return redactTokens(bounded);
}

/** An encoded credential is at most this long (T1 as HTML character references): read past the bound to find it. */
const LOG_MARGIN = 64 * 1024;
