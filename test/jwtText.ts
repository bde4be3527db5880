// Building token text by hand, for tests that need a JWT no issuer would sign (unsigned, malformed, hostile).

/** base64url of a JSON value (or of a string as it is). */
export const b64 = (v: unknown): string =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWT-shaped text with any header and claims; the signature is whatever is given (no key signed it). */
export const unsignedJwt = (
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature = 'c2ln',
): string => `${b64(header)}.${b64(claims)}.${signature}`;
