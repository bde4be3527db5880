import { compactVerify, createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ENTRA_AUTHORITY_HOSTS } from '../config/authorityPolicy';
import { isGuid, isLoopbackHost } from '../config/config';
import type { DecodedToken } from './jwt';

export type SignatureStatus =
  | { readonly status: 'verified'; readonly kid: string; readonly jwksUri: string }
  | { readonly status: 'failed'; readonly reason: string; readonly jwksUri?: string }
  | { readonly status: 'not-verifiable'; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string }
  /** The issuer is at a host the user allowed, not Entra's: its keys are fetched only when the user asks. */
  | { readonly status: 'ask'; readonly host: string; readonly reason: string };

export interface SignatureVerifierOptions {
  /** Hosts the user allowed (HTTPS) besides Entra's: keys are fetched from them only when the user asks. */
  readonly extraHosts?: readonly string[];
  /** The one loopback origin keys may come from: the running sandbox's, when there is one. */
  readonly sandboxOrigin?: () => string | undefined;
  readonly timeoutMs?: number;
}

export interface VerifyOptions {
  /** The user asked for this check after seeing the host (needed for issuers outside Entra and the sandbox). */
  readonly userAsked?: boolean;
}

/** Metadata documents and key sets are a few KB; reading stops past this. */
export const MAX_KEY_DOCUMENT_BYTES = 1 << 20;
/** A kid missing from a cached key set refetches it (keys roll over), at most this often. */
const REFETCH_AFTER_MS = 30_000;

/**
 * Checks a token's signature against its issuer's published keys: issuer → openid-configuration → jwks_uri. The
 * token is attacker-controlled, so it may not choose where this connects: keys come from Entra's hosts by themselves,
 * from loopback only at the running sandbox's exact origin, from hosts the user allowed only when the user asks, and
 * the jwks_uri must be on the metadata's own origin. Both documents are read under a 1 MiB cap, no redirects.
 * Signature only: expiry and audience are warnings elsewhere, so an expired token still shows "verified".
 */
export class SignatureVerifier {
  private readonly keySets = new Map<string, { keys: JWTVerifyGetKey; fetchedAt: number }>();

  constructor(private readonly options: SignatureVerifierOptions = {}) {}

  async verify(token: DecodedToken, verifyOptions: VerifyOptions = {}): Promise<SignatureStatus> {
    if (token.opaque)
      return {
        status: 'not-verifiable',
        reason: 'The token is not a signed JWT (it may be encrypted for its resource).',
      };
    if (typeof token.header.nonce === 'string') {
      return {
        status: 'not-verifiable',
        reason:
          'Its header carries a nonce (a Microsoft Graph access token): Graph tokens are signed over a hashed nonce and cannot be verified by anyone but Graph. Graph verifies them itself.',
      };
    }
    if (token.header.alg === 'none' || typeof token.header.alg !== 'string')
      return { status: 'failed', reason: 'The token is not signed (alg is "none" or missing).' };
    const metadata = metadataUrl(token.claims.iss);
    if (!metadata)
      return {
        status: 'unavailable',
        reason: 'The issuer (iss) is not an Entra issuer URL, so there are no keys to check against.',
      };
    const where = this.classify(metadata);
    if (where === 'refused') {
      return {
        status: 'unavailable',
        reason: isLoopbackHost(metadata.hostname)
          ? `Keys are fetched from loopback only at the running sandbox's origin; ${metadata.host} is not it.`
          : `Keys are fetched only from Entra hosts, the running sandbox and hosts you allowed; ${metadata.host} is none of these.`,
      };
    }
    if (where === 'ask' && !verifyOptions.userAsked) {
      return {
        status: 'ask',
        host: metadata.host,
        reason: `The issuer is at ${metadata.host}, a host you allowed but not Entra's. Its keys are fetched only if you ask.`,
      };
    }
    let jwksUri: string;
    try {
      jwksUri = await this.jwksUriOf(metadata);
    } catch (e) {
      return {
        status: 'unavailable',
        reason: `The issuer's metadata could not be read from ${metadata.href}: ${(e as Error).message}`,
      };
    }
    try {
      return await this.check(token, jwksUri, false);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY')
        return {
          status: 'failed',
          reason: `No key with kid "${String(token.header.kid ?? '')}" is published at ${jwksUri}.`,
          jwksUri,
        };
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
        return {
          status: 'failed',
          reason: 'The signature does not match the published key: the token was altered or signed by someone else.',
          jwksUri,
        };
      if (code === 'ERR_JWKS_INVALID' || code === 'ERR_JOSE_GENERIC' || e instanceof KeyDocumentError)
        return {
          status: 'unavailable',
          reason: `The keys at ${jwksUri} could not be read (${e instanceof KeyDocumentError ? e.message : code}).`,
        };
      return { status: 'failed', reason: (e as Error).message, jwksUri };
    }
  }

  /**
   * A tenant's id (a GUID) from its name (a domain such as contoso.onmicrosoft.com), read from the issuer of its v2
   * metadata at the authority, under the same rules as keys (Entra's hosts, or the running sandbox). A GUID is
   * returned as it is. Remembered per authority and name.
   */
  async tenantIdOf(authority: string, tenant: string): Promise<string> {
    if (isGuid(tenant)) return tenant.toLowerCase();
    const url = new URL(
      `${new URL(authority).origin}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`,
    );
    const key = url.href.toLowerCase();
    const known = this.tenantIds.get(key);
    if (known) return known;
    if (this.classify(url) !== 'auto')
      throw new KeyDocumentError(`the tenant ${tenant} cannot be looked up at ${url.host}`);
    const body = (await this.fetchJson(url)) as { issuer?: unknown } | null;
    const id = typeof body?.issuer === 'string' ? /\/([0-9a-f-]{36})\/v2\.0\/?$/i.exec(body.issuer)?.[1] : undefined;
    if (!id || !isGuid(id)) throw new KeyDocumentError(`the metadata of ${tenant} names no tenant id`);
    this.tenantIds.set(key, id.toLowerCase());
    return id.toLowerCase();
  }

  private readonly tenantIds = new Map<string, string>();

  private classify(metadata: URL): 'auto' | 'ask' | 'refused' {
    const host = metadata.hostname.toLowerCase();
    if (isLoopbackHost(host)) return metadata.origin === this.sandboxOrigin() ? 'auto' : 'refused';
    if (metadata.protocol !== 'https:') return 'refused';
    if (ENTRA_AUTHORITY_HOSTS.includes(host)) return 'auto';
    return (this.options.extraHosts ?? []).some((h) => h.trim().toLowerCase() === host) ? 'ask' : 'refused';
  }

  private sandboxOrigin(): string | undefined {
    const origin = this.options.sandboxOrigin?.();
    try {
      return origin ? new URL(origin).origin : undefined;
    } catch {
      return undefined;
    }
  }

  /** Verifies with the cached key set; a kid it lacks refetches it once (after the cooldown), as keys roll over. */
  private async check(token: DecodedToken, jwksUri: string, refetched: boolean): Promise<SignatureStatus> {
    let entry = this.keySets.get(jwksUri);
    if (!entry) {
      entry = {
        keys: createLocalJWKSet((await this.fetchJson(new URL(jwksUri))) as JSONWebKeySet),
        fetchedAt: Date.now(),
      };
      this.keySets.set(jwksUri, entry);
      refetched = true;
    }
    try {
      const { protectedHeader } = await compactVerify(token.raw, entry.keys);
      return { status: 'verified', kid: String(protectedHeader.kid ?? ''), jwksUri };
    } catch (e) {
      if (
        (e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' &&
        !refetched &&
        Date.now() - entry.fetchedAt > REFETCH_AFTER_MS
      ) {
        this.keySets.delete(jwksUri);
        return this.check(token, jwksUri, true);
      }
      throw e;
    }
  }

  private async jwksUriOf(metadata: URL): Promise<string> {
    const body = (await this.fetchJson(metadata)) as { jwks_uri?: unknown } | null;
    if (!body || typeof body.jwks_uri !== 'string') throw new Error('no jwks_uri');
    let jwks: URL;
    try {
      jwks = new URL(body.jwks_uri);
    } catch {
      throw new Error('its jwks_uri is not a URL');
    }
    // The metadata may not send us anywhere else: its answer is as attacker-chosen as the token that led to it.
    if (jwks.origin !== metadata.origin)
      throw new Error(
        `its jwks_uri points to ${jwks.host}, not to the issuer's own host ${metadata.host}, so it was not followed`,
      );
    return jwks.href;
  }

  /** GET a JSON document, reading at most 1 MiB: past that, reading stops and the connection is dropped. */
  private async fetchJson(url: URL): Promise<unknown> {
    const abort = new AbortController();
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
    } catch (e) {
      throw new KeyDocumentError(
        signal.aborted
          ? `no answer within ${timeoutMs} ms`
          : `connection failed (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message})`,
      );
    }
    if (!res.ok) {
      abort.abort();
      throw new KeyDocumentError(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (declared > MAX_KEY_DOCUMENT_BYTES) {
      abort.abort();
      throw new KeyDocumentError('larger than 1 MiB, which no key document is; not read');
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += chunk.length;
        if (size > MAX_KEY_DOCUMENT_BYTES) {
          abort.abort();
          throw new KeyDocumentError('larger than 1 MiB, which no key document is; reading stopped there');
        }
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof KeyDocumentError) throw e;
      throw new KeyDocumentError(
        signal.aborted ? `no complete answer within ${timeoutMs} ms` : 'the answer was cut off',
      );
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new KeyDocumentError('not JSON');
    }
  }
}

/** A metadata or key document could not be had (status, size, timeout, not JSON). */
class KeyDocumentError extends Error {
  override readonly name = 'KeyDocumentError';
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
  if (url.username || url.password) return undefined;
  const v2 = /^\/([^/]+)\/v2\.0\/?$/.exec(url.pathname);
  if (v2) return new URL(`${url.origin}/${v2[1]}/v2.0/.well-known/openid-configuration`);
  const v1 = /^\/([^/]+)\/?$/.exec(url.pathname);
  if (v1) {
    const origin = url.hostname === 'sts.windows.net' ? 'https://login.microsoftonline.com' : url.origin;
    return new URL(`${origin}/${v1[1]}/.well-known/openid-configuration`);
  }
  return undefined;
}
