// Hostile text for the security tests: what an attacker puts in a token, a server's answer or an import file.
import { unsignedJwt } from './jwtText';

/** OSC 52 (sets a terminal's clipboard), a C1 CSI (clears the screen), BEL, CR, backspace, DEL, NUL and bidi overrides. */
export const TERMINAL_ATTACK =
  '\u001b]52;c;cm0gLXJmIH4=\u0007 \u009b2J \u001b[31m red \u202e txt.exe \u2066 iso \u2069 \r over \b\u007f\u0000 \u2028 end';

/** Every character a terminal acts on, one of each: C0, DEL, C1 and the bidi controls. */
export const EVERY_CONTROL = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
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
].join('');

export { unsignedJwt };

/**
 * The test's own oracle (never the code's pattern, so a character dropped from the code's set is noticed): whether
 * text holds a raw character of EVERY_CONTROL, line feeds allowed or not.
 */
export function hasRawControl(text: string, allowLineFeeds = false): boolean {
  for (const c of text) if (CONTROLS.has(c) && !(allowLineFeeds && c === '\n')) return true;
  return false;
}
const CONTROLS = new Set(EVERY_CONTROL);

/** A token whose every field carries the attack: header, claim names and values, and the values the explainer reads. */
export function hostileToken(): string {
  return unsignedJwt(
    { alg: 'RS256', typ: 'JWT', kid: `k${TERMINAL_ATTACK}`, [`h${TERMINAL_ATTACK}`]: 1 },
    {
      aud: `api://x${TERMINAL_ATTACK}`,
      iss: `https://login.microsoftonline.com/${TERMINAL_ATTACK}/v2.0`,
      [`name${TERMINAL_ATTACK}`]: 'claim name',
      [EVERY_CONTROL]: EVERY_CONTROL,
      sub: `/eid1/c/pub/t/x/a/${TERMINAL_ATTACK}`,
      xms_act_fct: `11 ${TERMINAL_ATTACK}`,
      exp: Math.floor(Date.now() / 1000) + 3600,
      nested: { [`k${TERMINAL_ATTACK}`]: [TERMINAL_ATTACK] },
    },
  );
}

/** Output bound for a terminal: no control or bidi character but line feeds. */
export function assertTerminalSafe(text: string, where: string): void {
  if (hasRawControl(text, true)) {
    const found = [...text]
      .filter((c) => hasRawControl(c, true))
      .map((c) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    throw new Error(`${where} holds raw control characters: ${[...new Set(found)].join(' ')}`);
  }
}
