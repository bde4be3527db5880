import * as vscode from 'vscode';

/** The extension's settings, in one typed place. */
export interface Settings {
  /** Extra authority hosts allowed to receive credentials. Application scope: a workspace cannot set it. */
  readonly additionalAuthorityHosts: readonly string[];
  readonly requestTimeoutMs: number;
  /** The built-in sandbox's simulated latency per request. */
  readonly sandboxLatencyMs: number;
}

export const SETTINGS_SECTION = 'entraAgentTokens';

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // inspect(): take only the user (global) value, even if a workspace tried to set this application-scoped key.
  const hosts = config.inspect<string[]>('additionalAuthorityHosts')?.globalValue ?? [];
  const timeout = config.get<number>('requestTimeoutSeconds', 30);
  const latency = config.get<number>('sandbox.latencyMilliseconds', 0);
  return {
    additionalAuthorityHosts: Array.isArray(hosts) ? hosts.filter((h) => typeof h === 'string') : [],
    requestTimeoutMs: Math.min(Math.max(Number.isFinite(timeout) ? timeout : 30, 1), 600) * 1000,
    sandboxLatencyMs: Math.min(Math.max(Number.isFinite(latency) ? Math.round(latency) : 0, 0), 10_000),
  };
}
