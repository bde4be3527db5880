import { ConfigError } from '../errors/errors';

/** Entra's public cloud; the default authority. */
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** Leg 1 always asks for this scope (shared docs §1). */
export const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';
/** The app id of "AAD Token Exchange Endpoint": the audience of T1 (shared docs §2). */
export const TOKEN_EXCHANGE_APP_ID = 'fb60f99c-7a34-4190-8149-302f77469936';
/** client_assertion_type of every signed assertion (RFC 7523). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A DNS name with at least one dot, such as contoso.onmicrosoft.com.
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** Field names are how the caller shows them to the user (CLI flags, form labels). */
export interface FieldNames {
  tenant: string;
  blueprint: string;
  agent: string;
  scope: string;
  authority: string;
}

export const cliFieldNames: FieldNames = {
  tenant: '--tenant',
  blueprint: '--blueprint',
  agent: '--agent',
  scope: '--scope',
  authority: '--authority',
};

export function validateTenant(value: string, field = 'tenant'): string {
  const v = value.trim();
  if (!v)
    throw new ConfigError(
      field,
      'is empty.',
      'Give the tenant id (a GUID) or its domain, such as contoso.onmicrosoft.com.',
    );
  if (isGuid(v)) return v.toLowerCase();
  if (/^(common|organizations|consumers)$/i.test(v)) {
    throw new ConfigError(
      field,
      `"${v}" is not a tenant.`,
      'Agent tokens are issued by one tenant: give its id (a GUID) or domain.',
    );
  }
  if (DOMAIN.test(v)) return v.toLowerCase();
  throw new ConfigError(
    field,
    `"${clip(v)}" is neither a GUID nor a domain name.`,
    'Give the tenant id (a GUID) or its domain, such as contoso.onmicrosoft.com.',
  );
}

export function validateClientId(value: string, field: string, what: string): string {
  const v = value.trim();
  if (!v) throw new ConfigError(field, 'is empty.', `Give the ${what}'s client id (application id), a GUID.`);
  if (!isGuid(v)) {
    throw new ConfigError(
      field,
      `"${clip(v)}" is not a GUID.`,
      `Give the ${what}'s client id (application id), such as 00000000-0000-0000-0000-000000000000.`,
    );
  }
  return v.toLowerCase();
}

/** Client-credentials scopes: exactly one `<resource>/.default`. */
export function validateDefaultScope(value: string, field = 'scope'): string {
  const v = value.trim();
  if (!v)
    throw new ConfigError(field, 'is empty.', `Give a resource scope ending in /.default, such as ${DEFAULT_SCOPE}.`);
  if (/\s/.test(v)) {
    throw new ConfigError(
      field,
      'holds more than one scope.',
      'The client credentials flow takes exactly one scope, <resource>/.default.',
    );
  }
  if (!v.endsWith('/.default') || v === '/.default') {
    throw new ConfigError(
      field,
      `"${clip(v)}" does not end in /.default.`,
      `Client credentials need <resource>/.default, for example ${DEFAULT_SCOPE}.`,
    );
  }
  return v;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/**
 * An authority is an origin: `https://host[:port]`. Plain HTTP only for loopback (the sandbox).
 * Returns it without a trailing slash.
 */
export function validateAuthority(value: string, field = 'authority'): string {
  const v = value.trim();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(field, `"${clip(v)}" is not a URL.`, `Give an origin such as ${DEFAULT_AUTHORITY}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(
      field,
      `uses ${url.protocol.replace(':', '')}, not https.`,
      `Give an origin such as ${DEFAULT_AUTHORITY}.`,
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      field,
      `uses plain http to ${url.hostname}.`,
      'Use https; plain http is allowed only for loopback (127.0.0.1, localhost, [::1]), where the sandbox runs.',
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      field,
      'contains a user name or password.',
      'Give only the origin, such as https://login.microsoftonline.com.',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(
      field,
      'has a path, query or fragment.',
      'Give only the origin (the tenant is a separate setting), such as https://login.microsoftonline.com.',
    );
  }
  return url.origin;
}

export function tokenEndpointUrl(authority: string, tenant: string): string {
  return `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The resource of a scope (`https://graph.microsoft.com/.default` → `https://graph.microsoft.com`). */
export function resourceOfScope(scope: string): string {
  const first = scope.trim().split(/\s+/)[0] ?? '';
  const slash = first.lastIndexOf('/');
  return slash > first.indexOf('://') + 2 ? first.slice(0, slash) : first;
}
