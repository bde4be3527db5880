// The settings' bounds, pure (no vscode), so unit tests can hold them: settings.ts reads the values, this clamps them.

export interface Settings {
  /** Extra authority hosts allowed to receive credentials. Application scope: a workspace cannot set it. */
  readonly additionalAuthorityHosts: readonly string[];
  readonly requestTimeoutMs: number;
  /** The built-in sandbox's simulated latency per request. */
  readonly sandboxLatencyMs: number;
}

export const REQUEST_TIMEOUT_SECONDS = { min: 1, max: 600, default: 30 } as const;
export const SANDBOX_LATENCY_MS = { min: 0, max: 10_000, default: 0 } as const;

const clamp = (value: unknown, bounds: { min: number; max: number; default: number }) => {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : bounds.default;
  return Math.min(Math.max(n, bounds.min), bounds.max);
};

/** Whatever the settings files hold (a workspace can write any JSON there), values within their bounds. */
export function boundedSettings(raw: { hosts: unknown; timeoutSeconds: unknown; latencyMs: unknown }): Settings {
  return {
    additionalAuthorityHosts: Array.isArray(raw.hosts)
      ? raw.hosts.filter((h): h is string => typeof h === 'string')
      : [],
    requestTimeoutMs: clamp(raw.timeoutSeconds, REQUEST_TIMEOUT_SECONDS) * 1000,
    sandboxLatencyMs: Math.round(clamp(raw.latencyMs, SANDBOX_LATENCY_MS)),
  };
}
