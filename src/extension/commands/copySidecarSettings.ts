import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { sidecarCurlLines, sidecarSettingsText } from '../sidecar/sidecarSettings';
import { keysBeyondDefaults } from '../../sidecar/overrides';
import type { CommandContext } from './context';

/** Copy Sidecar Settings: SIDECAR_URL, an Agents SDK connection, and curl lines per API. Ids and a loopback URL only. */
export async function copySidecarSettings(ctx: CommandContext): Promise<string> {
  const status = ctx.sidecar.status;
  if (!status)
    throw new ConfigError('Agent sidecar', 'is not running.', 'Run "Start Agent Sidecar…" first: the URL is its own.');
  const firstAgent = ctx.definitions.agents(status.blueprintId)[0];
  const input = {
    url: status.url,
    blueprintName: status.blueprintName,
    blueprintId: status.blueprintId,
    tenant: status.tenant,
    apis: status.apis.map((a) => a.name),
    ...(ctx.sidecar.server
      ? { containerKeys: keysBeyondDefaults(ctx.sidecar.server.apiList, ctx.sidecar.server.overrides) }
      : {}),
    ...(firstAgent ? { agentId: firstAgent.clientId } : {}),
  };
  const text = sidecarSettingsText(input);
  await vscode.env.clipboard.writeText(text);
  const CURL = 'Copy curl Commands';
  void vscode.window
    .showInformationMessage(
      "Sidecar settings copied for your agent's .env: SIDECAR_URL and an Agents SDK connection (authType EntraAuthSideCar). They hold no secret.",
      CURL,
    )
    .then(async (choice) => {
      if (choice !== CURL) return;
      await vscode.env.clipboard.writeText(`${sidecarCurlLines(input).join('\n')}\n`);
      vscode.window.setStatusBarMessage('$(copy) curl commands copied: one per API the sidecar serves', 4000);
    });
  return text;
}
