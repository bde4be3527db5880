// The sandbox's URL space, as a pure function of method and path: which endpoint a request is for, or why none is.
// The server (server.ts) holds the state (keys, faults, records, grants) and answers each route.

export type Route =
  | { readonly kind: 'token'; readonly tenant: string }
  /** A local agent's sign-in (authorize.ts): GET the page, POST its form. */
  | { readonly kind: 'authorize'; readonly tenant: string; readonly submit: boolean }
  | { readonly kind: 'openid-configuration'; readonly tenant: string; readonly version: 1 | 2 }
  | { readonly kind: 'keys'; readonly tenant: string }
  | { readonly kind: 'external-openid-configuration' }
  | { readonly kind: 'external-keys' }
  | { readonly kind: 'managed-identity' }
  /** A sample protected API (protectedApi.ts): `/apis/NAME/…`, any method. */
  | { readonly kind: 'api'; readonly api: string; readonly path: string }
  /** The Microsoft Graph subset (graph.ts): `/graph/v1.0/…` or `/graph/beta/…`, any method (Graph answers 405). */
  | { readonly kind: 'graph'; readonly path: string }
  /** Its RFC 9728 protected-resource metadata: `/.well-known/oauth-protected-resource/apis/NAME`. */
  | { readonly kind: 'api-metadata'; readonly api: string }
  /** A path under a tenant the sandbox does not serve, or a method the endpoint does not take. */
  | { readonly kind: 'not-found'; readonly tenant?: string }
  | { readonly kind: 'method-not-allowed'; readonly tenant?: string; readonly allowed: 'GET' | 'POST' };

/** `tenant` is the path's first segment as sent (an id or a domain); the server looks it up. */
export function routeOf(method: string | undefined, pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { kind: 'not-found' };
  }
  const [first, ...rest] = segments;
  const path = rest.join('/');
  if (!first) return { kind: 'not-found' };
  if (first === 'apis' && rest[0]) return { kind: 'api', api: rest[0], path: rest.slice(1).join('/') };
  if (first === 'graph') return { kind: 'graph', path };
  if (first === '.well-known' && path.startsWith('oauth-protected-resource/apis/') && rest.length === 3)
    return method === 'GET' ? { kind: 'api-metadata', api: rest[2]! } : { kind: 'method-not-allowed', allowed: 'GET' };
  if (first === 'external') {
    if (method !== 'GET') return { kind: 'method-not-allowed', allowed: 'GET' };
    if (path === '.well-known/openid-configuration') return { kind: 'external-openid-configuration' };
    if (path === 'jwks') return { kind: 'external-keys' };
    return { kind: 'not-found' };
  }
  if (first === 'msi' && path === 'token') return { kind: 'managed-identity' };
  const tenant = first;
  if (path === 'oauth2/v2.0/token')
    return method === 'POST' ? { kind: 'token', tenant } : { kind: 'method-not-allowed', tenant, allowed: 'POST' };
  if (path === 'oauth2/v2.0/authorize')
    return method === 'GET' || method === 'POST'
      ? { kind: 'authorize', tenant, submit: method === 'POST' }
      : { kind: 'method-not-allowed', tenant, allowed: 'GET' };
  const get = (route: Route): Route =>
    method === 'GET' ? route : { kind: 'method-not-allowed', tenant, allowed: 'GET' };
  switch (path) {
    case 'v2.0/.well-known/openid-configuration':
      return get({ kind: 'openid-configuration', tenant, version: 2 });
    case '.well-known/openid-configuration':
      return get({ kind: 'openid-configuration', tenant, version: 1 });
    case 'discovery/v2.0/keys':
    case 'discovery/keys':
      return get({ kind: 'keys', tenant });
    default:
      return method === 'GET' ? { kind: 'not-found', tenant } : { kind: 'method-not-allowed', tenant, allowed: 'GET' };
  }
}
