/** The clouds an agent can live in (shared docs §6): the sign-in host, Graph, and the FIC audience. */
export interface Cloud {
  readonly name: CloudName;
  readonly displayName: string;
  readonly authority: string;
  readonly graph: string;
  /** Audience of managed-identity and other federated tokens used as a client assertion. */
  readonly ficAudience: string;
}

export type CloudName = 'public' | 'usgov' | 'china';

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  public: {
    name: 'public',
    displayName: 'Public (global)',
    authority: 'https://login.microsoftonline.com',
    graph: 'https://graph.microsoft.com',
    ficAudience: 'api://AzureADTokenExchange',
  },
  usgov: {
    name: 'usgov',
    displayName: 'US Government (GCC High)',
    authority: 'https://login.microsoftonline.us',
    graph: 'https://graph.microsoft.us',
    ficAudience: 'api://AzureADTokenExchangeUSGov',
  },
  china: {
    name: 'china',
    displayName: 'China (21Vianet)',
    authority: 'https://login.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    ficAudience: 'api://AzureADTokenExchangeChina',
  },
};

export function isCloudName(value: string): value is CloudName {
  return Object.prototype.hasOwnProperty.call(CLOUDS, value);
}

export function defaultGraphScope(cloud: Cloud): string {
  return `${cloud.graph}/.default`;
}

/**
 * The cloud an authority belongs to, by its sign-in host (China's partner host too); anything else (loopback, a host
 * the user allowed) is taken as the public cloud.
 */
export function cloudOfAuthority(authority: string): Cloud {
  let host: string;
  try {
    host = new URL(authority).hostname.toLowerCase();
  } catch {
    return CLOUDS.public;
  }
  if (host === 'login.partner.microsoftonline.cn') return CLOUDS.china;
  return Object.values(CLOUDS).find((c) => new URL(c.authority).hostname === host) ?? CLOUDS.public;
}

/** Microsoft Graph's app id: the `aud` of a Graph token in some clouds and token versions. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** The Graph host a token's audience names, if it names one (by URL in any cloud, or by Graph's app id). */
export function graphHostOfAudience(aud: unknown): string | undefined {
  if (aud === GRAPH_APP_ID) return CLOUDS.public.graph;
  if (typeof aud !== 'string') return undefined;
  const origin = aud.replace(/\/+$/, '');
  return Object.values(CLOUDS).find((c) => c.graph === origin)?.graph;
}

/**
 * The issuers a token of tenant `tenantId` carries when it comes from this authority: v2
 * `{authority}/{tid}/v2.0`, and v1 `https://sts.windows.net/{tid}/` (`sts.chinacloudapi.cn` in China; the authority's
 * own origin for a loopback stand-in). Entra signs every tenant's tokens with the same keys: only the issuer (and
 * `tid`) says which tenant a token is from.
 */
export function issuersOf(authority: string, tenantId: string): Set<string> {
  const origin = new URL(authority).origin;
  const tid = tenantId.toLowerCase();
  const v1Host =
    cloudOfAuthority(authority).name === 'china' ? 'https://sts.chinacloudapi.cn' : 'https://sts.windows.net';
  return new Set([`${origin}/${tid}/v2.0`, `${v1Host}/${tid}/`, `${origin}/${tid}/`]);
}
