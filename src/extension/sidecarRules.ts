// The extension's agent sidecar, pure (no vscode), so unit tests hold it: the user setting's APIs, the port, what
// "Copy Sidecar Settings" copies, and how a request reads in the tree.
import { ConfigError } from '../core/errors';
import type { SidecarApi, SidecarRequestRecord } from '../sidecar/requestRecord';

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

export interface SidecarSettingsInput {
  readonly url: string;
  readonly blueprintName: string;
  readonly blueprintId: string;
  readonly tenant: string;
  /** An agent identity of that blueprint, for the example request. */
  readonly agentId?: string;
  /** The APIs it serves by name (graph, the sandbox's weather, the user's): one example request each. */
  readonly apis?: readonly string[];
}

/**
 * What "Copy Sidecar Settings" copies: SIDECAR_URL, a Microsoft 365 Agents SDK connection that gets its tokens from
 * the sidecar (authType EntraAuthSideCar), and a plain-HTTP example. Ids and a loopback URL only: nothing secret.
 */
export function sidecarSettingsText(s: SidecarSettingsInput): string {
  return [
    `# Entra Agent Tokens: the local agent sidecar for blueprint "${s.blueprintName}" (${s.blueprintId}),`,
    `# tenant ${s.tenant}. No secret goes in this file: the sidecar holds the credential.`,
    `SIDECAR_URL=${s.url}`,
    '',
    '# Microsoft 365 Agents SDK (JavaScript, @microsoft/agents-hosting): a connection served by the sidecar',
    'connections__serviceConnection__settings__authType=EntraAuthSideCar',
    `connections__serviceConnection__settings__clientId=${s.blueprintId}`,
    `connections__serviceConnection__settings__tenantId=${s.tenant}`,
    'connectionsMap__0__connection=serviceConnection',
    'connectionsMap__0__serviceUrl=*',
    '',
    '# Plain HTTP: the agent identity\'s token for each API (answer: {"authorizationHeader":"Bearer …"}); the same',
    '# lines, ready for a shell, are one click away (Copy curl Commands on the notification).',
    ...sidecarCurlLines(s).map((l) => `#   ${l}`),
    '',
  ].join('\n');
}

/** One curl per API the sidecar serves (Graph first), as the agent identity: runnable in a shell as they are. */
export function sidecarCurlLines(s: SidecarSettingsInput): string[] {
  const agent = s.agentId ? encodeURIComponent(s.agentId) : '<agent identity client id>';
  const names = s.apis?.length ? [...s.apis].filter((n) => !SIDECAR_INTERNAL_APIS.has(n)) : ['graph'];
  const ordered = [...names.filter((n) => n === 'graph'), ...names.filter((n) => n !== 'graph')];
  return ordered.map(
    (name) =>
      `curl -s "${s.url}/AuthorizationHeaderUnauthenticated/${encodeURIComponent(name)}?AgentIdentity=${agent}"`,
  );
}

/** Names the sidecar answers that are not an API to call (Graph's alias, the blueprint's exchange token). */
const SIDECAR_INTERNAL_APIS = new Set(['agenticblueprint', 'default']);

/** Which flow a request ran, from what it named: an agent user, an agent identity, or the blueprint itself. */
export function requestFlow(r: SidecarRequestRecord): 'agent-user' | 'autonomous' | 'app' | 'other' {
  if (!r.api) return 'other';
  return r.agentUser ? 'agent-user' : r.agentId ? 'autonomous' : 'app';
}

/** A request as its tree row reads: who asked (the agent user, the agent, or the blueprint), then time, status, scope. */
export function requestRow(
  r: SidecarRequestRecord,
  agentName: (clientId: string) => string | undefined,
): { label: string; description: string; tooltip: [string, string][] } {
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
  ];
  return { label: who, description, tooltip };
}
