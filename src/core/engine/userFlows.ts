import { isGuid } from '../config/config';
import { ConfigError, TokenDecodeError } from '../errors/errors';
import { errorCatalog } from '../errors/entraError';
import { decodeToken } from '../tokens/jwt';

/** OBO and agent-user scopes: delegated, `<resource>/<name>` (or `/.default`), one resource, space-separated. */
export function validateDelegatedScopes(value: string, field = 'scope'): string {
  const scopes = value.trim().split(/\s+/).filter(Boolean);
  if (scopes.length === 0)
    throw new ConfigError(
      field,
      'is empty.',
      'Give the delegated scopes to ask for, such as https://graph.microsoft.com/User.Read.',
    );
  for (const s of scopes) {
    const cut = s.lastIndexOf('/');
    if (cut <= 0 || cut === s.length - 1)
      throw new ConfigError(
        field,
        `"${s.slice(0, 60)}" is not <resource>/<scope>.`,
        'Give scopes such as https://graph.microsoft.com/User.Read or https://graph.microsoft.com/.default.',
      );
  }
  const resources = new Set(scopes.map((s) => s.slice(0, s.lastIndexOf('/')).toLowerCase()));
  if (resources.size > 1)
    throw new ConfigError(
      field,
      'names more than one resource.',
      'Ask for scopes of one resource at a time (Entra answers AADSTS700022 otherwise).',
    );
  return scopes.join(' ');
}

/**
 * Pre-flight for on-behalf-of: the user token (Tc) must be a JWT issued for the blueprint, not for Graph or another
 * API, and not expired. Caught here, AADSTS50013 never needs a round trip.
 */
export function checkUserTokenForBlueprint(
  userToken: string,
  blueprintId: string,
  field = 'user token',
  nowMs = Date.now(),
): string {
  let claims: Record<string, unknown>;
  try {
    claims = decodeToken(userToken).claims;
  } catch (e) {
    throw new ConfigError(
      field,
      `is not a JWT (${(e as TokenDecodeError).message})`,
      "Give the signed-in user's access token for the blueprint.",
    );
  }
  const aud = claims.aud;
  if (aud !== blueprintId && aud !== `api://${blueprintId}`) {
    throw new ConfigError(
      field,
      `was issued for "${String(aud).slice(0, 80)}", not for the blueprint ${blueprintId}. ${errorCatalog().explainAadsts(50013)?.explanation ?? ''}`.trim(),
      `Have the user's app request a token for the blueprint, e.g. scope api://${blueprintId}/access_as_user; a Graph token cannot be exchanged (AADSTS50013).`,
    );
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) {
    throw new ConfigError(
      field,
      `expired at ${new Date(claims.exp * 1000).toISOString()}.`,
      'Sign the user in again and use the fresh token.',
    );
  }
  return userToken.trim();
}

/** An agent user is named by object id (preferred, as MSAL.NET does) or by UPN. */
export function validateAgentUser(
  userId: string | undefined,
  username: string | undefined,
  fields = { userId: 'user id', username: 'username' },
): { userId: string } | { username: string } {
  if ((userId === undefined) === (username === undefined)) {
    throw new ConfigError(
      `${fields.userId} or ${fields.username}`,
      'must be given, and only one of them.',
      'Name the agent user by its object id (preferred) or by its UPN.',
    );
  }
  if (userId !== undefined) {
    if (!isGuid(userId.trim()))
      throw new ConfigError(
        fields.userId,
        `"${userId.slice(0, 60)}" is not a GUID.`,
        "Give the agent user's object id.",
      );
    return { userId: userId.trim().toLowerCase() };
  }
  const upn = (username ?? '').trim();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn))
    throw new ConfigError(
      fields.username,
      `"${upn.slice(0, 60)}" is not a UPN.`,
      "Give the agent user's user principal name, such as agent@contoso.onmicrosoft.com.",
    );
  return { username: upn };
}
