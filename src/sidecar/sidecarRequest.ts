// One request to the sidecar's token routes, read and decided as the auth-sidecar container decides it, before any
// token is asked for. Pure. Each rule cites the container's source (AzureAD/microsoft-identity-web at dfeab823,
// src/Microsoft.Identity.Web.Sidecar/ unless another path is given); where the source does not settle a case, the
// comment says [I] and what was inferred.
import type { AllowOverrides, OverrideRoute } from './overrides';
import type { SidecarApi } from './requestRecord';

/** optionsOverride.* as Models/BindableDownstreamApiOptions.cs:31-175 binds them. */
export interface OptionsOverride {
  readonly scopes?: readonly string[];
  readonly requestAppToken?: boolean;
  readonly tenant?: string;
  readonly forceRefresh?: boolean;
  readonly claims?: string;
  readonly correlationId?: string;
  readonly fmiPath?: string;
  readonly longRunningWebApiSessionKey?: string;
  readonly popPublicKey?: string;
  readonly managedIdentityClientId?: string;
  readonly relativePath?: string;
  readonly httpMethod?: string;
  readonly contentType?: string;
  readonly acceptHeader?: string;
  readonly extraHeaderParameters?: Readonly<Record<string, string>>;
  readonly extraQueryParameters?: Readonly<Record<string, string>>;
}

/** What a request's query says, bound as ASP.NET binds it. */
export interface BoundQuery {
  /** Models/AuthorizationHeaderRequest.cs:16-27 ([FromQuery] strings); undefined when absent. */
  readonly agentIdentity?: string;
  readonly agentUsername?: string;
  readonly agentUserId?: string;
  readonly override: OptionsOverride;
  /** Any optionsOverride.* besides BaseUrl (BindableDownstreamApiOptions.cs:39-64). */
  readonly hasAny: boolean;
  /** The optionsOverride.* keys given, as written (for the request log when they are ignored). */
  readonly overrideKeys: readonly string[];
  /** optionsOverride.BaseUrl was given: always ignored (BindableDownstreamApiOptions.cs:127-135). */
  readonly baseUrlIgnored: boolean;
}

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BRACED_GUID = /^[({]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[)}]?$/i;
/** Guid.TryParse's accepted forms (D, N, B, P), surrounding white space allowed; the value normalised to D form. */
export function parseDotnetGuid(value: string | undefined): string | undefined {
  const v = value?.trim() ?? '';
  if (!GUID.test(v) && !BRACED_GUID.test(v)) return undefined;
  const hex = v.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** bool.TryParse: "true"/"false" in any case, white space around allowed. */
function parseBool(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/**
 * Binds a query as the container does: names in any case (ASP.NET's query collection is case-insensitive), a
 * repeated plain parameter read as its values joined by commas (StringValues to string) [I: the minimal-API binder's
 * conversion], optionsOverride.* as BindableDownstreamApiOptions.BindAsync reads them.
 */
export function bindQuery(query: URLSearchParams): BoundQuery {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of query) {
    const k = name.toLowerCase();
    const entry = byName.get(k) ?? { name, values: [] };
    entry.values.push(value);
    byName.set(k, entry);
  }
  const plain = (name: string) => byName.get(name.toLowerCase())?.values.join(',');
  const override: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  const queryParams: Record<string, string> = {};
  let hasAny = false;
  let baseUrlIgnored = false;
  const overrideKeys: string[] = [];
  for (const [k, { name, values }] of byName) {
    if (!k.startsWith('optionsoverride.')) continue;
    overrideKeys.push(name);
    const path = k.slice('optionsoverride.'.length);
    const original = name.slice('optionsoverride.'.length);
    const last = values[values.length - 1];
    if (path === 'baseurl') {
      baseUrlIgnored = true;
      continue;
    }
    hasAny = true;
    if (path === 'scopes') {
      const scopes = values.filter((v) => v.trim() !== '');
      override.scopes = [...((override.scopes as string[] | undefined) ?? []), ...scopes];
    } else if (path === 'requestapptoken') {
      const b = parseBool(last);
      if (b !== undefined) override.requestAppToken = b;
    } else if (path.startsWith('acquiretokenoptions.')) {
      if (!last) continue;
      switch (path.slice('acquiretokenoptions.'.length)) {
        case 'tenant':
          override.tenant = last;
          break;
        case 'forcerefresh': {
          const b = parseBool(last);
          if (b !== undefined) override.forceRefresh = b;
          break;
        }
        case 'claims':
          override.claims = last;
          break;
        case 'correlationid': {
          const id = parseDotnetGuid(last);
          if (id) override.correlationId = id;
          break;
        }
        case 'fmipath':
          override.fmiPath = last;
          break;
        case 'longrunningwebapisessionkey':
          override.longRunningWebApiSessionKey = last;
          break;
        case 'poppublickey':
          override.popPublicKey = last;
          break;
        case 'managedidentity.userassignedclientid':
          override.managedIdentityClientId = last;
          break;
      }
    } else if (path === 'relativepath') override.relativePath = last ?? '';
    else if (path === 'httpmethod') override.httpMethod = last ?? '';
    else if (path === 'contenttype') override.contentType = last ?? '';
    else if (path === 'acceptheader') override.acceptHeader = last ?? '';
    else if (path.startsWith('extraheaderparameters.')) {
      const key = original.slice('extraheaderparameters.'.length);
      if (key && last) headers[key] = last;
    } else if (path.startsWith('extraqueryparameters.')) {
      const key = original.slice('extraqueryparameters.'.length);
      if (key && last) queryParams[key] = last;
    }
  }
  if (Object.keys(headers).length) override.extraHeaderParameters = headers;
  if (Object.keys(queryParams).length) override.extraQueryParameters = queryParams;
  const agentIdentity = plain('AgentIdentity');
  const agentUsername = plain('AgentUsername');
  const agentUserId = plain('AgentUserId');
  return {
    ...(agentIdentity !== undefined ? { agentIdentity } : {}),
    ...(agentUsername !== undefined ? { agentUsername } : {}),
    ...(agentUserId !== undefined ? { agentUserId } : {}),
    override: override as OptionsOverride,
    hasAny,
    overrideKeys,
    baseUrlIgnored,
  };
}

/** The routes: which AllowOverrides key gates each (Endpoints/*.cs:34, 63) and whether it takes the caller's token. */
export const TOKEN_ROUTES = {
  authorizationheader: { gate: 'GetAuthorizationHeader', authenticated: true, downstream: false },
  authorizationheaderunauthenticated: {
    gate: 'GetAuthorizationHeaderUnauthenticated',
    authenticated: false,
    downstream: false,
  },
  downstreamapi: { gate: 'CallDownstreamApi', authenticated: true, downstream: true },
  downstreamapiunauthenticated: { gate: 'CallDownstreamApiUnauthenticated', authenticated: false, downstream: true },
} as const satisfies Record<string, { gate: OverrideRoute; authenticated: boolean; downstream: boolean }>;
export type TokenRoute = (typeof TOKEN_ROUTES)[keyof typeof TOKEN_ROUTES];

/** A refusal the container gives before asking Entra: the status and the detail, word for word where it has one. */
export interface PlannedProblem {
  readonly problem: { readonly status: number; readonly detail: string };
  /** For the request log and the view (never the caller): why, and what to change. */
  readonly note?: string;
}

/** The flow the container would run, with what this sidecar needs to run it. */
export interface Plan {
  readonly flow: 'app' | 'autonomous' | 'agent-user' | 'obo';
  /** Space-joined; for the app flows the first scope only (DefaultAuthorizationHeaderProvider.cs:198: scopes.FirstOrDefault()). */
  readonly scope: string;
  readonly agentId?: string;
  readonly user?: { readonly username: string } | { readonly userId: string };
  readonly tenant?: string;
  readonly forceRefresh: boolean;
  readonly claims?: string;
  readonly correlationId?: string;
  /** What the caller gave that this route ignored (overrides off), as the container's warnings say (Logging.cs:22-41). */
  readonly ignored: readonly string[];
  /** The API's options after the merge: where a DownstreamApi call goes and how. */
  readonly api: SidecarApi;
}

export interface PlanInput {
  readonly route: TokenRoute;
  readonly apiName: string;
  /** The configured API of exactly that name (the container's named options are looked up in exact case). */
  readonly api: SidecarApi | undefined;
  readonly query: BoundQuery;
  readonly allowOverrides: AllowOverrides;
  /** The caller's validated token, on the authenticated routes. */
  readonly hasUserToken: boolean;
}

/** The scopes detail, word for word (Endpoints/AuthorizationHeaderEndpoint.cs:121, DownstreamApiEndpoint.cs:121). */
const noScopes = (apiName: string) =>
  `No scopes found for the API '${apiName}' or in optionsOverride. 'scopes' needs to be either a single value or a list of values.`;

/**
 * Decides a request as AuthorizationHeaderAsync / DownstreamApiAsync do (Endpoints/*Endpoint.cs:94-132), then which
 * token Microsoft.Identity.Web would get (DefaultAuthorizationHeaderProvider.cs:72-84, 180-206; TokenAcquisition.cs
 * GetAuthenticationResultForUserInternalAsync, 380-470).
 */
export function planRequest(input: PlanInput): Plan | PlannedProblem {
  const { route, apiName, query, hasUserToken } = input;
  const allow = input.allowOverrides[route.gate];
  // An API that is not configured gets the default options: no scopes unless the overrides give some.
  let api: SidecarApi = input.api ?? { name: apiName, scopes: [] };
  const ignored: string[] = [];
  const o = query.override;
  if (query.hasAny) {
    if (allow) api = merge(api, o);
    else ignored.push(...query.overrideKeys.filter((k) => !/\.baseurl$/i.test(k)));
  }
  if (api.scopes.length === 0)
    return {
      problem: { status: 400, detail: noScopes(apiName) },
      note: input.api
        ? `The API "${apiName}" has no scopes: add DownstreamApis__${apiName}__Scopes__0.`
        : `No API named "${apiName}" is configured (names are matched in exact case): add DownstreamApis__${apiName}__Scopes__0${allow ? ', or pass optionsOverride.Scopes' : ''}.`,
    };
  // Overrides this sidecar cannot honour are refused, never dropped.
  if (allow && query.hasAny) {
    const unserved = (
      [
        ['optionsOverride.AcquireTokenOptions.PopPublicKey', o.popPublicKey],
        ['optionsOverride.AcquireTokenOptions.FmiPath', o.fmiPath],
        ['optionsOverride.AcquireTokenOptions.LongRunningWebApiSessionKey', o.longRunningWebApiSessionKey],
        ['optionsOverride.AcquireTokenOptions.ManagedIdentity.UserAssignedClientId', o.managedIdentityClientId],
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (unserved.length)
      return {
        problem: {
          status: 400,
          detail: `${unserved.map(([k]) => k).join(', ')}: not supported by the local agent sidecar (the auth-sidecar container honours it).`,
        },
        note: 'Leave the option out locally, or try the request against the container.',
      };
  }
  // AgentOverrides.SetOverrides (AgentOverrides.cs:23-50): nothing without AgentIdentity; the UPN wins over the
  // object id; an object id that is not a GUID falls back to the agent identity alone.
  let agentId: string | undefined;
  let user: Plan['user'];
  if (allow) {
    // Used as given: only a blank value counts as absent (string.IsNullOrWhiteSpace).
    if (query.agentIdentity?.trim()) {
      agentId = query.agentIdentity;
      if (query.agentUsername?.trim()) user = { username: query.agentUsername };
      else {
        const id = parseDotnetGuid(query.agentUserId);
        if (id) user = { userId: id };
      }
    }
  } else {
    const given = {
      AgentIdentity: query.agentIdentity,
      AgentUsername: query.agentUsername,
      AgentUserId: query.agentUserId,
    };
    ignored.push(...Object.entries(given).flatMap(([name, v]) => (v === undefined ? [] : [name])));
  }
  const common = {
    forceRefresh: allow && o.forceRefresh === true,
    ...(allow && o.tenant ? { tenant: o.tenant } : {}),
    ...(allow && o.claims ? { claims: o.claims } : {}),
    ...(allow && o.correlationId ? { correlationId: o.correlationId } : {}),
    ignored,
    api,
  };
  if (api.requestAppToken) {
    // The app path (GetAuthenticationResultForAppAsync): one scope; the agent's own token when AgentIdentity is set.
    if (user)
      // [I] WithAgentUserIdentity gives the agent no credential of its own, so the app path cannot sign as it: the
      // container fails this request; this sidecar says why.
      return {
        problem: { status: 500, detail: 'An unexpected error occurred.' },
        note: 'An agent user (AgentUsername or AgentUserId) with RequestAppToken: the container runs the agent-user flow only without RequestAppToken.',
      };
    const scope = api.scopes[0]!;
    // An app token's scope must end in /.default, in any case (TokenAcquisition.cs:900-903): otherwise an
    // ArgumentException, which the route answers 500.
    if (!/\/\.default$/i.test(scope.trim()))
      return {
        problem: { status: 500, detail: 'An unexpected error occurred.' },
        note: `An app token's scope must be <resource>/.default, not "${scope.slice(0, 80)}".`,
      };
    return { flow: agentId ? 'autonomous' : 'app', scope, ...(agentId ? { agentId } : {}), ...common };
  }
  const scope = api.scopes.join(' ');
  // The user path: an agent user first (TokenAcquisition.cs:380-387, 613-650), then the caller's token (on-behalf-of).
  if (agentId && user) return { flow: 'agent-user', scope, agentId, user, ...common };
  if (hasUserToken) {
    if (!agentId)
      return {
        problem: {
          status: 400,
          detail:
            "The local agent sidecar runs on-behalf-of for an agent identity only: pass AgentIdentity (the blueprint's own on-behalf-of is not served here).",
        },
        note: "The blueprint's own on-behalf-of is a difference from the container, listed in docs/sidecar.md.",
      };
    return { flow: 'obo', scope, agentId, ...common };
  }
  // No user, no agent user, no RequestAppToken: Microsoft.Identity.Web looks for a signed-in user's account in its
  // cache, finds none, and MSAL throws MsalUiRequiredException, which the route answers as 401 with its message
  // (TokenAcquisition.cs:465-471; Endpoints/AuthorizationHeaderEndpoint.cs:144-150) [I: MSAL.NET's wording].
  return {
    problem: { status: 401, detail: 'No account or login hint was passed to the AcquireTokenSilent call. ' },
    note: `The container runs a user flow for "${apiName}" here, and there is no user: set DownstreamApis__${apiName}__RequestAppToken=true${allow ? ' or pass optionsOverride.RequestAppToken=true' : ''} for an app token${agentId ? " (the agent's own)" : ''}.`,
  };
}

/** DownstreamApiOptionsMerger.MergeOptions (DownstreamApiOptionsMerger.cs:38-169), for what this sidecar reads. */
function merge(api: SidecarApi, o: OptionsOverride): SidecarApi {
  return {
    ...api,
    ...(o.scopes?.length ? { scopes: o.scopes } : {}),
    ...(o.requestAppToken ? { requestAppToken: true } : {}),
    ...(o.relativePath ? { relativePath: o.relativePath } : {}),
    ...(o.httpMethod ? { httpMethod: o.httpMethod } : {}),
    ...(o.contentType ? { contentType: o.contentType } : {}),
    ...(o.acceptHeader ? { acceptHeader: o.acceptHeader } : {}),
    ...(o.extraHeaderParameters
      ? { extraHeaderParameters: { ...api.extraHeaderParameters, ...o.extraHeaderParameters } }
      : {}),
    ...(o.extraQueryParameters
      ? { extraQueryParameters: { ...api.extraQueryParameters, ...o.extraQueryParameters } }
      : {}),
  };
}

/**
 * Where and how a DownstreamApi call goes (Microsoft.Identity.Abstractions' DownstreamApiOptions.GetApiUrl, and
 * DownstreamApi.cs:651-723): BaseUrl without its trailing slashes, a slash, RelativePath without its leading ones; the
 * extra query parameters appended, escaped; Accept from AcceptHeader (default application/json); the method from
 * HttpMethod (default GET); extra headers, less those the library reserves.
 */
export function downstreamRequest(api: SidecarApi): {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
} {
  let url = `${(api.baseUrl ?? '').replace(/\/+$/, '')}/${(api.relativePath ?? '').replace(/^\/+/, '')}`;
  const extra = Object.entries(api.extraQueryParameters ?? {});
  if (extra.length) {
    const q = extra.map(([k, v]) => `${escapeDataString(k)}=${escapeDataString(v)}`).join('&');
    url += url.includes('?') ? `&${q}` : `?${q}`;
  }
  const headers: [string, string][] = [['accept', api.acceptHeader || 'application/json']];
  for (const [name, value] of Object.entries(api.extraHeaderParameters ?? {}))
    if (!isReservedHeader(name) && !headers.some(([n]) => n === name.toLowerCase())) headers.push([name, value]);
  return { url, method: (api.httpMethod || 'GET').toUpperCase(), headers };
}

/** Uri.EscapeDataString: RFC 3986 unreserved characters stay, everything else is percent-encoded. */
function escapeDataString(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Headers an extra header may not set: Microsoft.Identity.Web's reserved names
 * (src/Microsoft.Identity.Web.TokenAcquisition/ReservedHeaderNames.cs), and the transport's own, which the HTTP
 * client would not send twice.
 */
const RESERVED_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'x-original-url',
  'x-ms-client-principal',
  'x-ms-client-principal-id',
  'x-ms-client-principal-name',
  'x-ms-client-principal-idp',
  'content-length',
  'transfer-encoding',
  'connection',
]);
const isReservedHeader = (name: string) =>
  RESERVED_HEADERS.has(name.toLowerCase()) || /^x-(forwarded|ms-token)-/i.test(name);
