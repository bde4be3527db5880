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
  });
}
