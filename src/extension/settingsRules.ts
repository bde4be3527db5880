// The settings' bounds, pure (no vscode), so unit tests can hold them: settings.ts reads the values, this clamps them.
import { isGuid } from '../core/config/config';

export interface Settings {
  /** Extra authority hosts allowed to receive credentials. Application scope: a workspace cannot set it. */
  readonly additionalAuthorityHosts: readonly string[];
  readonly requestTimeoutMs: number;
  /** The built-in sandbox's simulated latency per request. */
  readonly sandboxLatencyMs: number;
  /** Hosts the user says serve a scope's resource (Call API sends that scope's tokens there): scope → hosts. */
  readonly apiHosts: Readonly<Record<string, readonly string[]>>;
  /** The developer's own public-client app for signing in to Graph (VSCODE_CLIENT_ID:); a GUID, else none. */
  readonly signInClientId?: string;
}

/** A host name with an optional port, as `new URL().host` writes it (lower case). */
const HOST = /^[a-z0-9.-]{1,253}(:\d{1,5})?$/;

/** Only well-formed entries: a scope with a list of host names (anything else is left out, never half-used). */
export function apiHostsOf(value: unknown): Record<string, readonly string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, readonly string[]> = {};
  for (const [scope, hosts] of Object.entries(value as Record<string, unknown>)) {
    if (!scope.trim() || !Array.isArray(hosts)) continue;
    const good = hosts
      .filter((h): h is string => typeof h === 'string')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => HOST.test(h));
    if (good.length) out[scope.trim()] = good;
  }
  return out;
}

export const REQUEST_TIMEOUT_SECONDS = { min: 1, max: 600, default: 30 } as const;
export const SANDBOX_LATENCY_MS = { min: 0, max: 10_000, default: 0 } as const;

const clamp = (value: unknown, bounds: { min: number; max: number; default: number }) => {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : bounds.default;
  return Math.min(Math.max(n, bounds.min), bounds.max);
};

/** Whatever the settings files hold (a workspace can write any JSON there), values within their bounds. */
export function boundedSettings(raw: {
  hosts: unknown;
  timeoutSeconds: unknown;
  latencyMs: unknown;
  apiHosts?: unknown;
  signInClientId?: unknown;
}): Settings {
  const clientId = typeof raw.signInClientId === 'string' ? raw.signInClientId.trim().toLowerCase() : '';
  return {
    additionalAuthorityHosts: Array.isArray(raw.hosts)
      ? raw.hosts.filter((h): h is string => typeof h === 'string')
      : [],
    requestTimeoutMs: clamp(raw.timeoutSeconds, REQUEST_TIMEOUT_SECONDS) * 1000,
    sandboxLatencyMs: Math.round(clamp(raw.latencyMs, SANDBOX_LATENCY_MS)),
    apiHosts: apiHostsOf(raw.apiHosts),
    ...(isGuid(clientId) ? { signInClientId: clientId } : {}),
  };
}
