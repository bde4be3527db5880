// Where an agent's token may be sent (issue 14's host rule), and which scope a URL needs: pure, for every face that
// calls an API with a token (Call API, the CLI's `call`, the language-model tools). A token must not leak to the
// wrong host because a URL was mistyped, pasted, or written by a prompt-injected model.
import { CLOUDS, GRAPH_APP_ID } from '../config/clouds';
import { isLoopbackHost, resourceOfScope, TOKEN_EXCHANGE_APP_ID } from '../config/config';

export interface HostContext {
  /** The running sandbox's origin (http://127.0.0.1:PORT), whose APIs take its tokens. */
  readonly sandboxOrigin?: string;
  /** Hosts the user listed for a scope (a user-level setting, or the CLI's --allow-api-host): scope → hosts. */
  readonly userHosts?: Readonly<Record<string, readonly string[]>>;
  /**
   * The scope was chosen by a model (an agent tool's argument), not typed by the user: a resource URI that names a
   * host (https://api.contoso.com/.default) then grants that host nothing, or a prompt-injected model could name
   * any host as its own resource.
   */
  readonly modelChoseScope?: boolean;
}

/**
 * The token exchange's resource in each cloud (the FIC audience), and its app id: a token for it is the agent's
 * credential (T1's kind), never a token for an API.
 */
export function isExchangeResource(resource: string): boolean {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  return (
    Object.values(CLOUDS).some((c) => c.ficAudience.toLowerCase() === r) ||
    r === TOKEN_EXCHANGE_APP_ID ||
    r === `api://${TOKEN_EXCHANGE_APP_ID}`
  );
}

/**
 * Microsoft Graph by any of its names: each cloud's URL, its canary, and its app id (a `00000003-…/.default` scope
 * is a Graph token too).
 */
export function isGraphResource(resource: string): boolean {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  return (
    Object.values(CLOUDS).some((c) => c.graph === r) ||
    r === 'https://canary.graph.microsoft.com' ||
    r === GRAPH_APP_ID ||
    r === `api://${GRAPH_APP_ID}`
  );
}

/** Resources whose tokens go only to their own hosts, whatever an allow-list says: Graph's, the sandbox's. */
function isPinned(resource: string, context: HostContext): boolean {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  return (
    isGraphResource(r) ||
    r.startsWith('api://sandbox-') ||
    (!!context.sandboxOrigin && r === context.sandboxOrigin.toLowerCase())
  );
}

/** The verdict: send, refuse with the reason and the fix, or ask the user once (a host outside the resource's). */
export type HostVerdict =
  | { readonly send: true; readonly host: string }
  | { readonly send: false; readonly confirm: boolean; readonly reason: string; readonly fix: string };

/** A resource as an allow-list key: lower case, no trailing slash. */
export function resourceKey(resource: string): string {
  return resource.trim().replace(/\/+$/, '').toLowerCase();
}

export { resourceOfScope };

/** The hosts a resource's tokens belong to, as far as this project knows them: Graph's per cloud, the sandbox's. */
function knownHosts(resource: string, context: HostContext): string[] {
  const r = resource.replace(/\/+$/, '').toLowerCase();
  const graph = Object.values(CLOUDS).find((c) => c.graph === r);
  const sandbox = context.sandboxOrigin ? [new URL(context.sandboxOrigin).host] : [];
  // The sandbox's tokens for Graph go to its Graph stand-in as well ({sandbox}/graph/…).
  if (graph) return [new URL(graph.graph).host, ...sandbox];
  // Graph by its app id or its canary: any Graph host (each cloud's is Microsoft's own).
  if (isGraphResource(r))
    return [...Object.values(CLOUDS).map((c) => new URL(c.graph).host), 'canary.graph.microsoft.com', ...sandbox];
  if (context.sandboxOrigin && (r.startsWith('api://sandbox-') || r === context.sandboxOrigin.toLowerCase()))
    return [new URL(context.sandboxOrigin).host];
  // A resource URI that is a URL names its host, when the user typed the scope; a model's choice grants nothing.
  if (context.modelChoseScope) return [];
  try {
    const u = new URL(r);
    if (u.protocol === 'https:') return [u.host];
  } catch {
    // An app id URI (api://…) or a GUID names no host.
  }
  return [];
}

/** What a token pasted where a URL goes begins with: such a text is called a token, never quoted. */
const PASTED_TOKEN = /^\s*(bearer\s+)?eyJ/i;

/**
 * A URL as a message shows it: its origin (with `path`, and the start of its path). What stood where a URL should is
 * never repeated: a pasted token is called one, anything else "(not a URL)".
 */
export function urlInMessage(url: string, path = false): string {
  try {
    const u = new URL(url);
    return path ? `${u.origin}${u.pathname.slice(0, 80)}` : u.origin;
  } catch {
    return PASTED_TOKEN.test(url) ? 'a token (not a URL)' : '(not a URL)';
  }
}

/**
 * Whether a token for `scope` may go to `url`. Only https (http on loopback alone); the host must be one the
 * resource's tokens belong to, or one the user listed for that scope; anything else asks the user to confirm once.
 */
export function tokenDestination(url: string, scope: string, context: HostContext = {}): HostVerdict {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // A token pasted where the URL goes is not repeated, not even in part.
    const shown = PASTED_TOKEN.test(url) ? 'A token' : `"${url.slice(0, 60)}"`;
    return { send: false, confirm: false, reason: `${shown} is not a URL.`, fix: 'Give an https URL.' };
  }
  if (u.username || u.password)
    return {
      send: false,
      confirm: false,
      reason: 'The URL carries a user name or password.',
      fix: 'Remove the credentials from the URL: the token is the credential.',
    };
  const loopback = isLoopbackHost(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    return {
      send: false,
      confirm: false,
      reason: `A token goes over https only (http only to loopback), not ${u.protocol.replace(/:$/, '')}.`,
      fix: `Use https://${u.host}${u.pathname}.`,
    };
  const resource = resourceOfScope(scope);
  const host = u.host.toLowerCase();
  if (isExchangeResource(resource))
    return {
      send: false,
      confirm: false,
      reason: `A token for ${resource} is the agent's credential in the exchange (what T1 is), not a token for an API: it is never sent to one.`,
      fix: "Call the API with a token for the API's own scope (its app ID URI or URL, then /.default).",
    };
  const own = knownHosts(resource, context).map((h) => h.toLowerCase());
  if (own.includes(host)) return { send: true, host };
  if (isPinned(resource, context))
    return {
      send: false,
      confirm: false,
      reason: `${host} is not a host of ${resource}: its tokens go only to ${own.join(', ') || 'its own hosts'}, whatever any allow-list says.`,
      fix: `Call ${resource} at its own host, or get a token for the API that ${host} serves.`,
    };
  const allowed = [...own, ...(context.userHosts?.[scope] ?? []).map((h) => h.toLowerCase())];
  if (allowed.includes(host)) return { send: true, host };
  return {
    send: false,
    confirm: true,
    reason: `${host} is not a host of ${resource}${allowed.length ? ` (its hosts: ${allowed.join(', ')})` : ''}: a token for it would go elsewhere.`,
    fix: `Check the URL. If ${host} really serves ${resource}, confirm once, or list it for ${scope} in your user settings (CLI: --allow-api-host ${host}).`,
  };
}

/**
 * The scope a URL is called with, where that is safe to infer: a Graph URL gets Graph's /.default of its cloud, the
 * running sandbox's APIs their own. Anything else is the caller's choice (the agent's default scope, or a question).
 */
export function scopeForUrl(url: string, context: HostContext = {}): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const graph = Object.values(CLOUDS).find((c) => new URL(c.graph).host === u.host.toLowerCase());
  if (graph) return `${graph.graph}/.default`;
  if (context.sandboxOrigin && u.origin === new URL(context.sandboxOrigin).origin) {
    const api = /^\/apis\/([a-z0-9-]{1,40})(\/|$)/.exec(u.pathname)?.[1];
    if (api) return `api://sandbox-${api}/.default`;
    if (/^\/graph\/(v1\.0|beta)(\/|$)/.test(u.pathname)) return 'https://graph.microsoft.com/.default';
  }
  return undefined;
}
