import { TOKEN_EXCHANGE_APP_ID } from './config';

/**
 * What the claims of Entra tokens mean, generic and agent-specific (shared docs §2). Used by the CLI's decode and
 * the extension's inspector. Values are attacker-controlled text: explanations only describe, never trust.
 */
const claimMeanings: Readonly<Record<string, string>> = {
  aud: 'Audience: the resource (API) the token is for.',
  iss: 'Issuer: the security token service and tenant that issued the token.',
  iat: 'Issued at.',
  nbf: 'Not valid before.',
  exp: 'Expires at.',
  ver: 'Token version: 1.0 (issuer sts.windows.net) or 2.0 (issuer login.microsoftonline.com/{tenant}/v2.0).',
  azp: 'Authorized party (v2): the client id of the application that asked for the token.',
  appid: 'Application id (v1): the client id of the application that asked for the token.',
  azpacr: 'How the client authenticated (v2): 0 public client, 1 client secret, 2 certificate or federated assertion.',
  appidacr:
    'How the client authenticated (v1): 0 public client, 1 client secret, 2 certificate or federated assertion.',
  app_displayname: 'Display name of the client application.',
  idtyp: 'Identity type: app for an app-only token, user for a token acting for or as a user.',
  idp: 'Identity provider that authenticated the subject.',
  oid: "Object id of the subject (the app's service principal, the agent identity, or the user).",
  tid: 'Tenant id the token was issued in.',
  sub: 'Subject: the principal the token is about.',
  roles: 'App roles (application permissions) granted to the client for this resource.',
  scp: 'Delegated scopes granted for the signed-in user.',
  uti: 'Unique token id (like jti), used for revocation and diagnostics.',
  jti: 'Unique token id.',
  aio: 'Opaque, internal to Entra.',
  rh: 'Opaque, internal to Entra.',
  upn: 'User principal name of the user.',
  name: 'Display name of the user.',
  xms_idrel: 'How the subject relates to the tenant (7 = service principal; 1 member, 5 guest, …).',
  xms_par_app_azp:
    'Parent blueprint: the client id of the agent identity blueprint behind this agent. Log it; do not authorize on it.',
  xms_act_fct: 'Actor facets: what kind of party is acting (11 = agent identity, 13 = agent user).',
  xms_sub_fct: 'Subject facets: what kind of party the token is about (11 = agent identity, 13 = agent user).',
  xms_tnt_fct: 'Tenant facets.',
  xms_ficinfo:
    'Federated identity credential information: opaque, present on tokens meant as federated credentials (T1).',
  xms_frd: 'Federation marker seen on some agent tokens.',
};

/** Facet values documented by Microsoft (shared docs §2). Others are shown as numbers. */
const facetNames: Readonly<Record<string, string>> = {
  '11': 'agent identity',
  '13': 'agent user',
  '15': 'agentic app builder',
  '17': 'service principal required by app-only client',
};

const FACET_CLAIMS = new Set(['xms_act_fct', 'xms_sub_fct', 'xms_tnt_fct']);
const TIME_CLAIMS = new Set(['iat', 'nbf', 'exp']);

export interface ExplainedClaim {
  readonly name: string;
  readonly value: unknown;
  /** What the claim means, when known. */
  readonly meaning?: string;
  /** A reading of this value: a date, facet names, the token-exchange app, the fmi path. */
  readonly detail?: string;
}

/** `formatDate` shows times: ISO by default (the CLI); the inspector passes the user's local format. */
export function explainClaims(
  claims: Readonly<Record<string, unknown>>,
  nowMs = Date.now(),
  formatDate: (d: Date) => string = (d) => d.toISOString(),
): ExplainedClaim[] {
  return Object.entries(claims).map(([name, value]) => {
    const meaning = Object.prototype.hasOwnProperty.call(claimMeanings, name) ? claimMeanings[name] : undefined;
    const detail = bounded(describeValue(name, value, nowMs, formatDate));
    return { name, value, ...(meaning ? { meaning } : {}), ...(detail ? { detail } : {}) };
  });
}

/** A reading of a value is a short note beside it: a token's value can be a megabyte, its explanation is not. */
export const MAX_DETAIL_LENGTH = 300;
function bounded(detail: string | undefined): string | undefined {
  return detail && detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : detail;
}

function describeValue(
  name: string,
  value: unknown,
  nowMs: number,
  formatDate: (d: Date) => string,
): string | undefined {
  if (TIME_CLAIMS.has(name) && typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    if (Number.isNaN(date.getTime())) return undefined;
    return `${formatDate(date)} (${relative(value * 1000 - nowMs)})`;
  }
  if (FACET_CLAIMS.has(name) && typeof value === 'string') {
    const named = value
      .slice(0, 2 * MAX_DETAIL_LENGTH)
      .split(/\s+/)
      .filter(Boolean)
      .map((v) => (facetNames[v] ? `${v} = ${facetNames[v]}` : v));
    return named.length ? named.join(', ') : undefined;
  }
  if (name === 'aud' && value === TOKEN_EXCHANGE_APP_ID)
    return 'AAD Token Exchange Endpoint: this token is meant to be exchanged (T1/T2).';
  if (name === 'sub' && typeof value === 'string' && value.startsWith('/eid1/')) {
    const path = value.split('/').pop();
    return `fmi path: issued for agent identity ${path}.`;
  }
  if ((name === 'azpacr' || name === 'appidacr') && (value === '0' || value === '1' || value === '2')) {
    return ['public client', 'client secret', 'certificate or federated assertion'][Number(value)];
  }
  return undefined;
}

function relative(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return 'now';
  const unit =
    abs >= 86_400_000
      ? [86_400_000, 'd']
      : abs >= 3_600_000
        ? [3_600_000, 'h']
        : abs >= 60_000
          ? [60_000, 'min']
          : [1000, 's'];
  const n = Math.round(abs / (unit[0] as number));
  return ms >= 0 ? `in ${n} ${unit[1]}` : `${n} ${unit[1]} ago`;
}
