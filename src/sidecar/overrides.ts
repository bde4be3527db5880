// The container's Sidecar:AllowOverrides keys and its DownstreamApis keys as text: small, and free of the configuration
// reader, so the extension's activation bundle can hold them (the sidecar view marks requests with these keys).
import type { SidecarApi } from './requestRecord';

/** Sidecar:AllowOverrides:* (SidecarOptions.cs:32-56): whether a route honours optionsOverride.* and the agent parameters. */
export interface AllowOverrides {
  readonly GetAuthorizationHeader: boolean;
  readonly GetAuthorizationHeaderUnauthenticated: boolean;
  readonly CallDownstreamApi: boolean;
  readonly CallDownstreamApiUnauthenticated: boolean;
}

/** The container's defaults (SidecarOptions.cs:38, 44, 50, 56): overrides on the authenticated routes only. */
export const CONTAINER_ALLOW_OVERRIDES: AllowOverrides = {
  GetAuthorizationHeader: true,
  GetAuthorizationHeaderUnauthenticated: false,
  CallDownstreamApi: true,
  CallDownstreamApiUnauthenticated: false,
};

export type OverrideRoute = keyof AllowOverrides;
export const OVERRIDE_ROUTES = Object.keys(CONTAINER_ALLOW_OVERRIDES) as OverrideRoute[];

/** One API as the container's keys (`DownstreamApis__NAME__*`), in the order the container's samples write them. */
export function apiKeys(api: SidecarApi): string[] {
  const k = `DownstreamApis__${api.name}__`;
  return [
    ...(api.baseUrl ? [`${k}BaseUrl=${api.baseUrl}`] : []),
    ...(api.relativePath ? [`${k}RelativePath=${api.relativePath}`] : []),
    ...(api.httpMethod ? [`${k}HttpMethod=${api.httpMethod}`] : []),
    ...(api.acceptHeader ? [`${k}AcceptHeader=${api.acceptHeader}`] : []),
    ...(api.contentType ? [`${k}ContentType=${api.contentType}`] : []),
    ...api.scopes.map((s, i) => `${k}Scopes__${i}=${s}`),
    ...(api.requestAppToken ? [`${k}RequestAppToken=true`] : []),
    ...Object.entries(api.extraHeaderParameters ?? {}).map(([h, v]) => `${k}ExtraHeaderParameters__${h}=${v}`),
    ...Object.entries(api.extraQueryParameters ?? {}).map(([q, v]) => `${k}ExtraQueryParameters__${q}=${v}`),
  ];
}

/**
 * The keys the container needs besides its defaults to answer as this sidecar does: its built-in APIs, and every
 * Sidecar__AllowOverrides__* that differs from the container's default.
 */
export function keysBeyondDefaults(apis: readonly SidecarApi[], allowOverrides: AllowOverrides): string[] {
  return [
    ...OVERRIDE_ROUTES.filter((r) => allowOverrides[r] !== CONTAINER_ALLOW_OVERRIDES[r]).map(
      (r) => `Sidecar__AllowOverrides__${r}=${allowOverrides[r]}`,
    ),
    ...apis.filter((a) => a.builtIn).flatMap(apiKeys),
  ];
}
