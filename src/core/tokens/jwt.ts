import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { TokenDecodeError } from '../errors/errors';

/** A JWT split into its parts. Nothing here is verified: claims are attacker-controlled text until checked. */
export interface DecodedToken {
  readonly raw: string;
  readonly header: ProtectedHeaderParameters & Record<string, unknown>;
  readonly claims: JWTPayload & Record<string, unknown>;
  /** Set when the text could not be decoded (an encrypted or non-JWT token): header and claims are then empty. */
  readonly opaque?: true;
}

export function decodeToken(input: string): DecodedToken {
  const raw = input.trim().replace(/^Bearer\s+/i, '');
  if (!raw) throw new TokenDecodeError('No token was given.');
  const parts = raw.split('.');
  if (parts.length === 5)
    throw new TokenDecodeError('This is an encrypted token (JWE); only signed tokens (JWS) can be decoded.');
  if (parts.length !== 3) {
    throw new TokenDecodeError(`This is not a JWT: a JWT has three dot-separated parts, this has ${parts.length}.`);
  }
  let header: DecodedToken['header'];
  let claims: DecodedToken['claims'];
  try {
    header = decodeProtectedHeader(raw) as DecodedToken['header'];
  } catch {
    throw new TokenDecodeError('This is not a JWT: its header is not base64url-encoded JSON.');
  }
  try {
    claims = decodeJwt(raw) as DecodedToken['claims'];
  } catch {
    throw new TokenDecodeError('This is not a JWT: its payload is not a base64url-encoded JSON object.');
  }
  if (depthOver(header, MAX_DEPTH))
    throw new TokenDecodeError(
      `This token's header is nested deeper than ${MAX_DEPTH} levels, which no issuer writes.`,
    );
  if (depthOver(claims, MAX_DEPTH))
    throw new TokenDecodeError(
      `This token's claims are nested deeper than ${MAX_DEPTH} levels, which no issuer writes; it is not shown.`,
    );
  return { raw, header, claims };
}

/**
 * How deep a token's JSON may nest. JSON.parse takes 5,000 levels in 13 KB, but JSON.stringify and every recursive
 * reader after it (the claim explanations, each face's output) overflow the stack: a decode error here instead.
 */
export const MAX_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (objects and arrays), walked without recursion. */
function depthOver(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** For tokens a server issued: an undecodable one (say, encrypted for its resource) is still a token, just opaque. */
export function decodeTokenLenient(raw: string): DecodedToken {
  try {
    return decodeToken(raw);
  } catch {
    return { raw, header: {}, claims: {}, opaque: true };
  }
}

/** `exp` as a Date, when it is a number. */
export function expiryOf(token: DecodedToken): Date | undefined {
  const exp = token.claims.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}
