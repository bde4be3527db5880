import { compactVerify, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { isAllowedAuthority } from './authorityPolicy';
import { isLoopbackHost } from './config';
import type { DecodedToken } from './jwt';

export type SignatureStatus =
  | { readonly status: 'verified'; readonly kid: string; readonly jwksUri: string }
  | { readonly status: 'failed'; readonly reason: string; readonly jwksUri?: string }
  | { readonly status: 'not-verifiable'; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string };

export interface SignatureVerifierOptions {
  /** Hosts besides Entra's and loopback whose keys may be fetched. */
  readonly extraHosts?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Checks a token's signature against its issuer's published keys: issuer → openid-configuration → jwks_uri, fetched
 * only from Entra hosts, loopback, or hosts the user allowed. Signature only: expiry and audience are warnings
 * elsewhere, so an expired token still shows "verified" (its signature is).
 */
export class SignatureVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: SignatureVerifierOptions = {}) {}

  async verify(token: DecodedToken): Promise<SignatureStatus> {
    if (token.opaque) return { status: 'not-verifiable', reason: 'The token is not a signed JWT (it may be encrypted for its resource).' };
    if (typeof token.header.nonce === 'string') {
      return { status: 'not-verifiable', reason: 'Its header carries a nonce (a Microsoft Graph access token): Graph tokens are signed over a hashed nonce and cannot be verified by anyone but Graph. Graph verifies them itself.' };
    }
    if (token.header.alg === 'none' || typeof token.header.alg !== 'string') return { status: 'failed', reason: 'The token is not signed (alg is "none" or missing).' };
    const metadata = metadataUrl(token.claims.iss);
    if (!metadata) return { status: 'unavailable', reason: 'The issuer (iss) is not an Entra issuer URL, so there are no keys to check against.' };
    if (!isAllowedAuthority(metadata.origin, this.options.extraHosts)) {
      return { status: 'unavailable', reason: `Keys are fetched only from Entra hosts, loopback and hosts you allowed; ${metadata.host} is none of these.` };
    }
    let jwksUri: string;
    try {
      jwksUri = await this.jwksUriOf(metadata);
    } catch (e) {
      return { status: 'unavailable', reason: `The issuer's metadata could not be read from ${metadata.href}: ${(e as Error).message}` };
    }
    try {
      const keys = this.keySets.get(jwksUri) ?? createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.options.timeoutMs ?? 10_000 });
      this.keySets.set(jwksUri, keys);
      const { protectedHeader } = await compactVerify(token.raw, keys);
      return { status: 'verified', kid: String(protectedHeader.kid ?? ''), jwksUri };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY') return { status: 'failed', reason: `No key with kid "${String(token.header.kid ?? '')}" is published at ${jwksUri}.`, jwksUri };
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return { status: 'failed', reason: 'The signature does not match the published key: the token was altered or signed by someone else.', jwksUri };
      if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC' || code === 'ERR_JWKS_INVALID') return { status: 'unavailable', reason: `The keys at ${jwksUri} could not be read (${code}).` };
      return { status: 'failed', reason: (e as Error).message, jwksUri };
    }
  }

  private async jwksUriOf(metadata: URL): Promise<string> {
    const res = await fetch(metadata, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000), redirect: 'error' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { jwks_uri?: unknown };
    if (typeof body.jwks_uri !== 'string') throw new Error('no jwks_uri');
    const jwks = new URL(body.jwks_uri);
    // The keys must come from the same allowed world as the metadata.
    if (!isAllowedAuthority(jwks.origin, this.options.extraHosts)) throw new Error(`its jwks_uri points to ${jwks.host}, which is not allowed`);
    return jwks.href;
  }
}

/**
 * The metadata document for an issuer (shared docs §2, Verification): v2 `https://host/{tid}/v2.0` →
 * `…/{tid}/v2.0/.well-known/openid-configuration`; v1 `https://sts.windows.net/{tid}/` → login.microsoftonline.com's
 * `…/{tid}/.well-known/openid-configuration`. Loopback issuers (the sandbox) keep their own origin.
 */
export function metadataUrl(iss: unknown): URL | undefined {
  if (typeof iss !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined;
  const v2 = /^\/([^/]+)\/v2\.0\/?$/.exec(url.pathname);
  if (v2) return new URL(`${url.origin}/${v2[1]}/v2.0/.well-known/openid-configuration`);
  const v1 = /^\/([^/]+)\/?$/.exec(url.pathname);
  if (v1) {
    const origin = url.hostname === 'sts.windows.net' ? 'https://login.microsoftonline.com' : url.origin;
    return new URL(`${origin}/${v1[1]}/.well-known/openid-configuration`);
  }
  return undefined;
}
