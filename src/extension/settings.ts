import * as vscode from 'vscode';
import { boundedSettings, type Settings } from './settingsRules';

export type { Settings } from './settingsRules';

export const SETTINGS_SECTION = 'entraAgentTokens';

/** The extension's settings, in one typed place, within their bounds (settingsRules.ts). */
export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return boundedSettings({
    // inspect(): take only the user (global) value, even if a workspace tried to set this application-scoped key.
    hosts: config.inspect<string[]>('additionalAuthorityHosts')?.globalValue ?? [],
    timeoutSeconds: config.get<unknown>('requestTimeoutSeconds', 30),
    latencyMs: config.get<unknown>('sandbox.latencyMilliseconds', 0),
    // Where tokens may go: the user's word only, like the authority hosts.
    apiHosts: config.inspect<unknown>('apiHosts')?.globalValue,
    // Which app signs the developer in: theirs to choose, never a workspace's.
    signInClientId: config.inspect<unknown>('signIn.clientId')?.globalValue,
  });
}

/** Lists `host` for `scope` in the user's settings (Call API's "Always for This Scope"). */
export async function addApiHost(scope: string, host: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const current = (config.inspect<Record<string, string[]>>('apiHosts')?.globalValue ?? {}) as Record<string, unknown>;
  const hosts = Array.isArray(current[scope]) ? (current[scope] as unknown[]).filter((h) => typeof h === 'string') : [];
  if (hosts.includes(host)) return;
  await config.update('apiHosts', { ...current, [scope]: [...hosts, host] }, vscode.ConfigurationTarget.Global);
}
