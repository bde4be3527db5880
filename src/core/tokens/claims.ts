import { TOKEN_EXCHANGE_APP_ID } from '../config/config';

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
  xms_tnt_fct: 'Tenant facets: what kind of tenant issued the token.',
  wids: 'Directory roles (role template ids) the user holds in the tenant.',
  xms_ficinfo:
    'Federated identity credential information: opaque, present on tokens meant as federated credentials (T1).',
  xms_frd: 'Federation marker seen on some agent tokens.',
};

/**
 * Facet values Microsoft documents (agent-token-claims: 11 and 13; an older revision 15 and 17), and the values its
 * own sample tokens and real ones carry without a documented meaning (1, 3, 9): said to be so, not guessed at.
 */
const facetNames: Readonly<Record<string, string>> = {
  '11': 'agent identity',
  '13': 'agent user',
  '15': 'agentic app builder',
  '17': 'service principal required by app-only client',
  '1': 'not documented (seen on agent tokens)',
  '3': "not documented (in Microsoft's sample agent token)",
  '9': "not documented (seen on agent tokens, and in Microsoft's sample)",
};

const FACET_CLAIMS = new Set(['xms_act_fct', 'xms_sub_fct', 'xms_tnt_fct']);

/** `xms_idrel`: how the subject relates to the tenant. Documented (odd) values, and the even ones seen on agent tokens. */
const idrelNames: Readonly<Record<string, string>> = {
  '1': 'member',
  '3': 'Microsoft account',
  '5': 'guest',
  '7': 'service principal',
  '9': 'device',
  '11': 'GDAP',
  '13': 'service principal-less',
  '33': 'federated managed identity',
  '10': "not documented (in Microsoft's sample agent token)",
  '12': 'not documented (seen on agent tokens)',
  '14': 'not documented (seen on agent tokens)',
  '26': 'not documented (seen on T1)',
};

/** Directory role template ids a `wids` claim commonly holds. */
const roleTemplateNames: Readonly<Record<string, string>> = {
  'b79fbf4d-3ef9-4689-8143-76b194e85509': 'User (every member user)',
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': 'Global Reader',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
  'cf1c38e5-3621-4004-a7cb-879624dced7c': 'Application Developer',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
  'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
  '29232cdf-9323-42fd-ade2-1d097af3e4de': 'Exchange Administrator',
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': 'SharePoint Administrator',
  '4d6ac14f-3453-41d0-bef9-a3e0c569773a': 'License Administrator',
  '88d8e3e3-8f55-4a1e-953a-9b9898b8876b': 'Directory Readers',
  'd29b2b05-8046-44ba-8758-1e26182fcf32': 'Directory Synchronization Accounts',
};

/** First-party application ids that appear as `aud`, `azp` or `appid`. */
export const WELL_KNOWN_APPS: Readonly<Record<string, string>> = {
  '00000003-0000-0000-c000-000000000000': 'Microsoft Graph',
  [TOKEN_EXCHANGE_APP_ID]: 'AAD Token Exchange Endpoint',
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': 'Azure Resource Manager',
  '00000002-0000-0ff1-ce00-000000000000': 'Office 365 Exchange Online',
  '00000003-0000-0ff1-ce00-000000000000': 'SharePoint Online',
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Azure CLI',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Azure PowerShell',
  'de8bc8b5-d9f9-48b1-a8ad-b748da725064': 'Graph Explorer',
};
const APP_ID_CLAIMS = new Set(['aud', 'azp', 'appid']);

/** The values of a space-separated list claim, each named from `names` ("not documented" where Microsoft says nothing of it). */
function namedValues(value: string, names: Readonly<Record<string, string>>): string | undefined {
  const named = value
    .slice(0, 2 * MAX_DETAIL_LENGTH)
    .split(/\s+/)
    .filter(Boolean)
    .map((v) => `${v} = ${Object.hasOwn(names, v) ? names[v] : 'not documented'}`);
  return named.length ? named.join(', ') : undefined;
}
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
  if (FACET_CLAIMS.has(name) && typeof value === 'string') return namedValues(value, facetNames);
  if (name === 'xms_idrel' && typeof value === 'string') return namedValues(value, idrelNames);
  if (name === 'wids' && Array.isArray(value))
    return value
      .slice(0, 20)
      .map((v) =>
        typeof v === 'string' && Object.hasOwn(roleTemplateNames, v) ? roleTemplateNames[v] : 'unknown role',
      )
      .join(', ');
  if (name === 'aud' && value === TOKEN_EXCHANGE_APP_ID)
    return 'AAD Token Exchange Endpoint: this token is meant to be exchanged (T1/T2).';
  if (APP_ID_CLAIMS.has(name) && typeof value === 'string' && Object.hasOwn(WELL_KNOWN_APPS, value))
    return WELL_KNOWN_APPS[value];
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

/** What kind of token this is, from its claims: a card's title in the inspector. */
export function tokenKind(claims: Readonly<Record<string, unknown>>): string {
  const facets = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string).split(/\s+/) : []);
  if (claims.aud === TOKEN_EXCHANGE_APP_ID) return 'Exchange token (T1)';
  if (facets('xms_sub_fct').includes('13')) return 'Agent user token';
  if (claims.idtyp === 'user' && (facets('xms_act_fct').includes('11') || 'xms_par_app_azp' in claims))
    return 'Agent token on behalf of a user';
  if ('xms_par_app_azp' in claims || facets('xms_act_fct').includes('11')) return 'Agent identity token';
  if (claims.idtyp === 'user' || typeof claims.scp === 'string') return 'User token';
  if (claims.idtyp === 'app' || Array.isArray(claims.roles)) return 'App token';
  return 'Token';
}
