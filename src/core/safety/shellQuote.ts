/**
 * Commands built for a user to paste into a shell. A value from outside (a pasted token, a URL) is never spliced into
 * a command as it is: it must look like what it claims to be, and it is quoted so a POSIX shell reads it as one word.
 */

/** A JWS (three base64url parts) or an opaque bearer token (RFC 6750 b64token): nothing a shell or a header reacts to. */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Bearer tokens Entra issues are a few KB; anything far larger is not one. */
const MAX_TOKEN_LENGTH = 64 * 1024;

export function isBearerTokenText(text: string): boolean {
  return text.length > 0 && text.length <= MAX_TOKEN_LENGTH && (JWT.test(text) || B64TOKEN.test(text));
}

/**
 * One word for sh, bash, zsh and dash: single quotes keep everything literal except a single quote, which is closed,
 * escaped and reopened. NUL cannot be in a shell word at all, so a value holding one is refused.
 */
export function posixQuote(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('A NUL character cannot be passed to a shell.');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
