import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { MAX_IMPORT_FILE_BYTES, readFailure, readRegularTextFile } from '../../core/safety/boundedFile';
import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { type BlueprintDefinition, DEFINITIONS_FILE_KIND, parseDefinitionsFile } from '../definitions/definitionRules';
import { PromptDismissed } from '../errorBoundary';
import { ask, plainArgs } from '../prompts';
import type { CommandContext } from './context';
import { CommandId } from './ids';
import { runCommand } from './run';
import { revealFile } from '../workbench';
import type { DefinitionsFile, ImportArgs, ImportSummary } from './contracts';

/** Writes the user's blueprints and agent identities as JSON. Secrets are never in them: they stay in SecretStorage. */
export async function exportDefinitions(ctx: CommandContext, arg?: unknown): Promise<DefinitionsFile> {
  const file: DefinitionsFile = { kind: DEFINITIONS_FILE_KIND, version: 1, ...ctx.definitions.exportable() };
  const given = plainArgs<{ path: string }>(arg)?.path;
  const target = given
    ? vscode.Uri.file(given)
    : await vscode.window.showSaveDialog({
        title: 'Export Blueprints and Agent Identities',
        filters: { JSON: ['json'] },
        // The workspace folder, or the home folder: never the file system's root.
        defaultUri: vscode.Uri.joinPath(
          vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir()),
          'entra-agent-tokens.json',
        ),
      });
  if (!target) throw new PromptDismissed();
  await writeFile(target.fsPath, `${JSON.stringify(file, null, 2)}\n`, 'utf8');
  ctx.log.info(
    `Exported ${file.blueprints.length} blueprint(s) and ${file.agents.length} agent identit(ies) to ${target.fsPath} (no secrets).`,
  );
  const left = ctx.definitions.blueprints().filter((b) => b.sandbox).length;
  if (!given)
    void vscode.window
      .showInformationMessage(
        `Exported ${file.blueprints.length} blueprint(s) and ${file.agents.length} agent identit${file.agents.length === 1 ? 'y' : 'ies'} to ${target.fsPath}. Secrets are not in the file.${left ? ` The sandbox's ${left === 1 ? 'blueprint is' : `${left} blueprints are`} not in it: ${left === 1 ? 'it lives' : 'they live'} in memory and ${left === 1 ? 'is' : 'are'} made again at each start.` : ''}`,
        'Open File',
        'Reveal',
      )
      .then((choice) => {
        if (choice === 'Open File') void vscode.window.showTextDocument(target);
        else if (choice === 'Reveal') void revealFile(target);
      });
  return file;
}

/** Adds blueprints and agent identities from an exported file, all or nothing, then asks for their secrets. */
export async function importDefinitions(ctx: CommandContext, arg?: unknown): Promise<ImportSummary> {
  const args = plainArgs<ImportArgs>(arg);
  let text = args?.content;
  if (text === undefined) {
    const path =
      args?.path ??
      (
        await vscode.window.showOpenDialog({
          title: 'Import Blueprints and Agent Identities',
          canSelectMany: false,
          filters: { JSON: ['json'] },
        })
      )?.[0]?.fsPath;
    if (!path) throw new PromptDismissed();
    try {
      text = await readRegularTextFile(path, MAX_IMPORT_FILE_BYTES);
    } catch (e) {
      throw new ConfigError(
        'Import file',
        `cannot be read (${readFailure(e)}).`,
        'Choose a file made by "Export Blueprints and Agent Identities…".',
      );
    }
  }
  const added = await ctx.definitions.importDefinitions(parseDefinitionsFile(text), ctx.sandbox.status?.authority);
  const secretsToSet: BlueprintDefinition[] = [];
  for (const b of added.blueprints.filter((x) => x.credentialKind === 'secret')) {
    const secret = args ? args.secrets?.[b.clientId] : await askSecret(b);
    if (secret) await ctx.credentials.set(b.clientId, 'clientSecret', secret);
    else secretsToSet.push(b);
  }
  const outcome = [
    `Imported ${added.blueprints.length} blueprint(s) and ${added.agents.length} agent identit${added.agents.length === 1 ? 'y' : 'ies'}`,
    added.skipped.length ? `skipped ${added.skipped.length} already in the list (${added.skipped.join(', ')})` : '',
    secretsToSet.length ? `secrets still to set: ${secretsToSet.map((b) => b.displayName).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  ctx.log.info(`${outcome}.`);
  if (!args) {
    const first = secretsToSet[0];
    void vscode.window
      .showInformationMessage(`${outcome}.`, ...(first ? ['Set Blueprint Credential…'] : []))
      .then((choice) => {
        if (choice && first) void runCommand(CommandId.setBlueprintCredential, { blueprintId: first.clientId });
      });
  }
  return {
    blueprints: added.blueprints.map((b) => b.clientId),
    agents: added.agents.map((a) => a.clientId),
    skipped: added.skipped,
    secretsToSet: secretsToSet.map((b) => b.clientId),
  };
}

/** Secrets are not in the file: ask for each, or leave it for "Set Blueprint Credential…". */
async function askSecret(b: BlueprintDefinition): Promise<string | undefined> {
  try {
    return await ask({
      title: `Import: client secret of "${b.displayName}"`,
      prompt:
        'The secret value (stored in SecretStorage only). Escape to set it later with "Set Blueprint Credential…".',
      password: true,
    });
  } catch (e) {
    if (e instanceof PromptDismissed) return undefined;
    throw e;
  }
}
