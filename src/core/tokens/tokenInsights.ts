import { TOKEN_EXCHANGE_APP_ID } from '../config/config';
import type { DecodedToken } from './jwt';

/** One claim of two tokens side by side. */
export interface ClaimComparison {
  readonly name: string;
  readonly left?: unknown;
  readonly right?: unknown;
  /**
   * Worth a highlight: present in only one token, or with a different value — except the claims that differ between
   * any two tokens (times, unique ids, Entra's opaque session data), whose difference means nothing.
   */
  readonly differs: boolean;
}

/** Claims that differ between any two tokens: never highlighted. */
export const ALWAYS_DIFFERENT_CLAIMS: ReadonlySet<string> = new Set([
  'iat',
  'nbf',
  'exp',
  'uti',
  'aio',
  'rh',
  'xms_ftd',
]);

/** Claims of two tokens (T1 and the final token, say), in a stable order: the left token's, then the right's new ones. */
export function compareClaims(left: DecodedToken, right: DecodedToken): ClaimComparison[] {
  const names = [...new Set([...Object.keys(left.claims), ...Object.keys(right.claims)])];
  return names.map((name) => {
    const inLeft = Object.prototype.hasOwnProperty.call(left.claims, name);
    const inRight = Object.prototype.hasOwnProperty.call(right.claims, name);
    const l = left.claims[name];
    const r = right.claims[name];
    return {
      name,
      ...(inLeft ? { left: l } : {}),
      ...(inRight ? { right: r } : {}),
      differs: inLeft !== inRight || (!ALWAYS_DIFFERENT_CLAIMS.has(name) && JSON.stringify(l) !== JSON.stringify(r)),
    };
  });
}

export type WarningKind =
  'expired' | 'expiring' | 'no-roles' | 'issuer-version' | 'not-access-token' | 'exchange-token';

export interface TokenWarning {
  readonly kind: WarningKind;
  readonly message: string;
}

const V1_ISSUER = /^https?:\/\/[^/]+\/[^/]+\/$/;
const V2_ISSUER = /^https?:\/\/[^/]+\/[^/]+\/v2\.0$/;

/**
 * What a developer should notice about a token: expiry, an app token without roles, an issuer that does not match
 * `ver`, something that is not an access token at all. Claims are attacker-controlled: only read, never trusted.
 */
export function tokenWarnings(token: DecodedToken, nowMs = Date.now(), soonMs = 5 * 60_000): TokenWarning[] {
  const c = token.claims;
  const out: TokenWarning[] = [];
  if (typeof c.exp === 'number') {
    const left = c.exp * 1000 - nowMs;
    if (left <= 0) out.push({ kind: 'expired', message: 'This token has expired: resources will reject it.' });
    else if (left <= soonMs)
      out.push({
        kind: 'expiring',
        message: `This token expires in less than ${Math.round(soonMs / 60_000)} minutes.`,
      });
  }
  if (c.aud === TOKEN_EXCHANGE_APP_ID) {
    out.push({
      kind: 'exchange-token',
      message:
        'This is an exchange token (T1/T2) for AAD Token Exchange: an agent presents it as a client assertion; no API accepts it.',
    });
  } else if (c.idtyp === 'app' && !Array.isArray(c.roles)) {
    out.push({
      kind: 'no-roles',
      message:
        'An app-only token without roles: the agent identity has no application permission on this resource, so most APIs will answer 403.',
    });
  }
  if (typeof c.iss === 'string' && (c.ver === '1.0' || c.ver === '2.0')) {
    if (c.ver === '2.0' && !V2_ISSUER.test(c.iss))
      out.push({
        kind: 'issuer-version',
        message: 'ver is 2.0 but the issuer has the v1 form: validate it against the v1 metadata document.',
      });
    if (c.ver === '1.0' && !V1_ISSUER.test(c.iss))
      out.push({
        kind: 'issuer-version',
        message: 'ver is 1.0 but the issuer has the v2 form: validate it against the v2 metadata document.',
      });
  }
  const looksLikeIdToken =
    'nonce' in c ||
    'at_hash' in c ||
    'c_hash' in c ||
    (typeof c.aud === 'string' && c.aud === c.azp && c.idtyp !== 'app');
  if (looksLikeIdToken || (!('scp' in c) && !('roles' in c) && !('idtyp' in c) && !('azp' in c) && !('appid' in c))) {
    out.push({
      kind: 'not-access-token',
      message:
        'This does not look like an access token (an ID token, or a token of another kind): APIs will not accept it.',
    });
  }
  return out;
}
