import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import type { ExportFormat, SidecarExportInput } from '../../sidecar/sidecarExport';
import { readSidecarSettings } from '../sidecar/sidecarController';
import { credentialSourceOf } from '../tokens/tokenRequests';
import { PromptDismissed } from '../errorBoundary';
import { pick, pickBlueprint, plainArgs } from '../prompts';
import type { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { ExportSidecarArgs } from './contracts';
import { isNode } from './nodeArgs';

const FORMATS: readonly { label: string; description: string; detail: string; format: ExportFormat; file: string }[] = [
  {
    label: 'Docker Compose',
    description: 'compose.auth-sidecar.yaml',
    detail: 'The container and your agent in its network namespace (the container answers loopback callers only).',
    format: 'compose',
    file: 'compose.auth-sidecar.yaml',
  },
  {
    label: 'Kubernetes',
    description: 'auth-sidecar.deployment.yaml',
    detail: 'A Deployment with your agent and the container in one pod; the secret from a Kubernetes Secret.',
    format: 'kubernetes',
    file: 'auth-sidecar.deployment.yaml',
  },
  {
    label: 'Environment file',
    description: 'auth-sidecar.env',
    detail: "The container's keys as KEY=value lines, for docker run --env-file or your own tooling.",
    format: 'env',
    file: 'auth-sidecar.env',
  },
];

/**
 * Export Sidecar for Production…: what runs Microsoft's auth-sidecar container with the configuration the local
 * sidecar used (the running one, or the blueprint's): image, AzureAd__* with the credential as a reference (never a
 * secret), every DownstreamApis__* it serves, built-ins included, Sidecar__AllowOverrides__*, and the agent's
 * SIDECAR_URL and connection. In the lazy chunk dist/provisioning.js: it recognises a tree row by kind.
 */
export async function exportSidecar(ctx: CommandContext, arg?: unknown): Promise<string> {
  const args = plainArgs<ExportSidecarArgs>(arg);
  const id = isNode<BlueprintNode>(arg, 'blueprint')
    ? arg.blueprint.clientId
    : (args?.blueprintId ?? ctx.sidecar.status?.blueprintId);
  const blueprint =
    (id !== undefined ? ctx.definitions.blueprint(id) : undefined) ??
    (id === undefined ? await pickBlueprint(ctx.definitions, 'Export Sidecar for Production') : undefined);
  if (!blueprint) throw new ConfigError('Blueprint', `${String(id)} is not in the list.`, 'Choose one from the view.');
  const chosen =
    FORMATS.find((f) => f.format === args?.format) ??
    (args?.format !== undefined
      ? undefined
      : await pick([...FORMATS], {
          title: `Export Sidecar for Production: ${blueprint.displayName}`,
          placeHolder: 'Run the auth-sidecar container with this configuration, as…',
        }));
  if (!chosen)
    throw new ConfigError(
      'format',
      `"${String(args?.format).slice(0, 20)}" is not one.`,
      'Use compose, kubernetes or env.',
    );
  // The running sidecar's APIs and overrides when it serves this blueprint, else what it would serve now.
  const running = ctx.sidecar.status?.blueprintId === blueprint.clientId ? ctx.sidecar.server : undefined;
  const settings = running ? undefined : readSidecarSettings();
  const { builtInApis, mergeApis } = await import('../../sidecar/sidecarServer');
  const input: SidecarExportInput = {
    authority: blueprint.authority,
    tenant: blueprint.tenant,
    clientId: blueprint.clientId,
    credential: credentialSourceOf(blueprint),
    apis: running?.apiList ?? mergeApis(builtInApis(blueprint.authority), settings!.apis),
    allowOverrides: running?.overrides ?? settings!.allowOverrides,
    blueprintName: blueprint.displayName,
  };
  const { exportSidecar: write } = await import('../../sidecar/sidecarExport');
  const text = write(input, chosen.format);
  let target: vscode.Uri | undefined = args?.path ? vscode.Uri.file(args.path) : undefined;
  if (!target) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    target = await vscode.window.showSaveDialog({
      title: 'Export Sidecar for Production',
      saveLabel: 'Export',
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, chosen.file) } : {}),
    });
    if (!target) throw new PromptDismissed();
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  if (!args?.path)
    void vscode.window
      .showInformationMessage(
        `Exported ${chosen.label} for the auth-sidecar container to ${vscode.workspace.asRelativePath(target)}. It holds no secret${input.credential.kind === 'secret' ? ': set AZUREAD_CLIENT_SECRET where it runs' : ''}.`,
        'Open',
      )
      .then((c) => c && vscode.window.showTextDocument(target));
  return target.fsPath;
}
