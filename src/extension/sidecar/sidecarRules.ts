// The extension's agent sidecar, pure (no vscode), so unit tests hold it: the user setting's APIs, the port, what
// "Copy Sidecar Settings" copies, and how a request reads in the tree.
import { ConfigError } from '../../core/errors/errors';
import type { SidecarApi, SidecarRequestRecord } from '../../sidecar/requestRecord';
import { CONTAINER_ALLOW_OVERRIDES, OVERRIDE_ROUTES, type AllowOverrides } from '../../sidecar/overrides';

export const SIDECAR_PORT = { min: 0, max: 65535, default: 5178 } as const;
const SETTING = 'entraAgentTokens.sidecar.downstreamApis';
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The port setting: an integer 0–65535 (0 takes a free port), else the default. */
export function sidecarPort(raw: unknown): number {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= SIDECAR_PORT.min && raw <= SIDECAR_PORT.max
    ? raw
    : SIDECAR_PORT.default;
}

/**
 * `entraAgentTokens.sidecar.downstreamApis` (name → { scopes, baseUrl?, requestAppToken? }) as the sidecar's APIs.
 * A bad entry is refused with its name and what to write, before anything starts.
 */
export function sidecarApisFromSetting(raw: unknown): SidecarApi[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(
      SETTING,
      'must be an object of API names.',
      'Write { "weather": { "scopes": ["api://…/.default"] } }.',
    );
  return Object.entries(raw as Record<string, unknown>).map(([name, value]) => {
    const field = `${SETTING} › ${name.slice(0, 64)}`;
    if (!NAME.test(name))
      throw new ConfigError(field, 'is not a usable API name.', 'Use 1–64 letters, digits, ".", "_" or "-".');
    const v = (value ?? {}) as { scopes?: unknown; baseUrl?: unknown; requestAppToken?: unknown };
    const scopes = Array.isArray(v.scopes)
      ? v.scopes.filter((s): s is string => typeof s === 'string' && !!s.trim())
      : [];
    if (scopes.length === 0 || scopes.length !== (v.scopes as unknown[]).length)
      throw new ConfigError(
        `${field} › scopes`,
        'must list one or more scopes as text.',
        'Write "scopes": ["api://…/.default"].',
      );
    let baseUrl: string | undefined;
    if (v.baseUrl !== undefined) {
      let url: URL | undefined;
      try {
        url = typeof v.baseUrl === 'string' ? new URL(v.baseUrl) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        throw new ConfigError(
          `${field} › baseUrl`,
          'is not an http(s) URL.',
          'Write "baseUrl": "https://api.contoso.com/".',
        );
      baseUrl = url.href;
    }
    if (v.requestAppToken !== undefined && typeof v.requestAppToken !== 'boolean')
      throw new ConfigError(`${field} › requestAppToken`, 'must be true or false.', 'Write "requestAppToken": true.');
    return {
      name,
      scopes: scopes.map((s) => s.trim()),
      ...(baseUrl ? { baseUrl } : {}),
      ...(v.requestAppToken ? { requestAppToken: true } : {}),
    };
  });
}

/**
 * `entraAgentTokens.sidecar.allowOverrides`: the container's `Sidecar__AllowOverrides__*`, by its key names. Left
 * out, a key is the container's default, except GetAuthorizationHeaderUnauthenticated, which is on here (the Agents
 * SDK's SidecarAuthProvider needs it; a request that uses it is marked, and the export writes the key).
 */
export const EXTENSION_ALLOW_OVERRIDES: AllowOverrides = {
  ...CONTAINER_ALLOW_OVERRIDES,
  GetAuthorizationHeaderUnauthenticated: true,
};

export function sidecarAllowOverridesFromSetting(raw: unknown): AllowOverrides {
  const field = 'entraAgentTokens.sidecar.allowOverrides';
  if (raw === undefined || raw === null) return EXTENSION_ALLOW_OVERRIDES;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(
      field,
      'must be an object of route keys.',
      'Write { "CallDownstreamApiUnauthenticated": true }.',
    );
  const out: Record<string, boolean> = { ...EXTENSION_ALLOW_OVERRIDES };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const route = OVERRIDE_ROUTES.find((r) => r === key);
    if (!route)
      throw new ConfigError(
        `${field} › ${key.slice(0, 60)}`,
        'is not a route key.',
        `Use ${OVERRIDE_ROUTES.join(', ')}.`,
      );
    if (typeof value !== 'boolean')
      throw new ConfigError(`${field} › ${key}`, 'must be true or false.', `Write "${key}": true.`);
    out[route] = value;
  }
  return out as unknown as AllowOverrides;
}

/** Which flow a request ran, from what it named: an agent user, an agent identity, or the blueprint itself. */
export function requestFlow(r: SidecarRequestRecord): 'agent-user' | 'autonomous' | 'app' | 'other' {
  if (!r.api) return 'other';
  return r.agentUser ? 'agent-user' : r.agentId ? 'autonomous' : 'app';
}

/** A request as its tree row reads: who asked (the agent user, the agent, or the blueprint), then time, status, scope. */
export function requestRow(
  r: SidecarRequestRecord,
  agentName: (clientId: string) => string | undefined,
): { label: string; description: string; tooltip: [string, string][]; differs: boolean } {
  const agent = r.agentId ? (agentName(r.agentId) ?? r.agentId) : undefined;
  // An agent user by its UPN (its row's icon says it is one; the tooltip names its agent), else the agent, else the
  // blueprint itself; a request refused before it named anyone, by its route.
  const who = r.agentUser ?? agent ?? (r.api ? 'the blueprint' : r.route);
  const time = r.at.toTimeString().slice(0, 8);
  const description = [time, String(r.status), r.scope ?? r.route, ...(r.fromCache ? ['cache'] : [])].join(' · ');
  const tooltip: [string, string][] = [
    ['Time', r.at.toISOString()],
    ['Route', `${r.route}${r.api ? `/${r.api}` : ''}`],
    ...(r.agentId ? [['Agent identity', `${agent} (${r.agentId})`] as [string, string]] : []),
    ...(r.agentUser
      ? [['Agent user', `${r.agentUser} (the agent identity's own user account)`] as [string, string]]
      : []),
    ...(r.scope ? [['Scope', r.scope] as [string, string]] : []),
    ['Status', String(r.status)],
    ['Answered by', r.fromCache ? 'the cache' : r.status === 200 && r.api ? 'Entra (token endpoint)' : 'the sidecar'],
    ['Time taken', `${r.ms.toFixed(1)} ms`],
    ...(r.problem ? [['Problem', `${r.problem.title}: ${r.problem.detail}`] as [string, string]] : []),
    ...(r.ignored?.length
      ? [
          ['Ignored', `${r.ignored.join(', ')} (overrides are off on this route, as in the container)`] as [
            string,
            string,
          ],
        ]
      : []),
    ...(r.container ? [['The container would differ', r.container] as [string, string]] : []),
  ];
  return { label: who, description, tooltip, differs: r.container !== undefined };
}
