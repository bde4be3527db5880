import { join } from 'node:path';
import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { posixQuote } from '../../core/safety/shellQuote';
import { MCP_SECRET_ENV, mcpServerCommandLine, mcpServerPlan } from '../agentMode/mcpServerPlan';
import { pickBlueprint, plainArgs } from '../prompts';
import { readSettings } from '../settings';
import type { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { isNode } from './nodeArgs';

/**
 * Copy MCP Server Command: the blueprint's MCP server as a command line for a terminal agent or any MCP client,
 * running the CLI this extension ships (dist/cli.js beside this bundle). It names the credential (a variable, a path)
 * and never holds a secret. In the lazy chunk dist/provisioning.js: it recognises a tree row by kind.
 */
export async function copyMcpServerCommand(ctx: CommandContext, arg?: unknown): Promise<string> {
  const id = isNode<BlueprintNode>(arg, 'blueprint')
    ? arg.blueprint.clientId
    : plainArgs<{ blueprintId: string }>(arg)?.blueprintId;
  const blueprint =
    (id !== undefined ? ctx.definitions.blueprint(id) : undefined) ??
    (id === undefined ? await pickBlueprint(ctx.definitions, 'Copy MCP Server Command') : undefined);
  if (!blueprint) throw new ConfigError('Blueprint', `${String(id)} is not in the list.`, 'Choose one from the view.');
  const plan = mcpServerPlan(blueprint, join(__dirname, 'cli.js'), readSettings().additionalAuthorityHosts);
  if (!plan)
    throw new ConfigError(
      'Blueprint',
      `"${blueprint.displayName}" cannot run an MCP server yet: ${
        blueprint.setup
          ? 'its setup is unfinished'
          : blueprint.confirmBeforeUse
            ? 'its imported credential is not confirmed'
            : 'its credential file is not set'
      }.`,
      blueprint.setup
        ? 'Run "Finish Setup" on it.'
        : blueprint.confirmBeforeUse
          ? 'Get a token with it once, and confirm its credential.'
          : 'Run "Set Blueprint Credential…".',
    );
  const line = mcpServerCommandLine(plan);
  await vscode.env.clipboard.writeText(line);
  void vscode.window.showInformationMessage(
    plan.secretEnv
      ? `MCP server command for "${blueprint.displayName}" copied. It holds no secret: set ${MCP_SECRET_ENV} to the blueprint's client secret where your agent runs it.${blueprint.sandbox ? ' (The sandbox makes a new secret at each start.)' : ''}`
      : `MCP server command for "${blueprint.displayName}" copied. It names the credential; it holds no secret.`,
  );
  return line;
}

/**
 * Copy Sandbox Environment: the running sandbox as export lines for a shell (SANDBOX_AUTHORITY, SANDBOX_TENANT,
 * SANDBOX_BLUEPRINT, SANDBOX_AGENT, SANDBOX_SECRET), as `entra-agent-tokens sandbox --env` prints them: the CLI, a
 * sidecar or an agent in a terminal then use the same tenant. The secret is the sandbox's own, made at this start,
 * and the user asked for it.
 */
export async function copySandboxEnvironment(ctx: CommandContext): Promise<string> {
  const status = ctx.sandbox.status;
  if (!status) throw new ConfigError('Sandbox tenant', 'is not running.', 'Start the sandbox tenant first.');
  const blueprintId = status.blueprintIds[0];
  const secret = blueprintId ? await ctx.credentials.get(blueprintId, 'clientSecret') : undefined;
  const vars: [string, string | undefined][] = [
    ['SANDBOX_AUTHORITY', status.authority],
    ['SANDBOX_TENANT', status.tenantId],
    ['SANDBOX_BLUEPRINT', blueprintId],
    ['SANDBOX_AGENT', status.agentIds[0]],
    ['SANDBOX_SECRET', secret],
  ];
  const text = vars
    .filter((v): v is [string, string] => v[1] !== undefined)
    .map(([k, v]) => `export ${k}=${posixQuote(v)}\n`)
    .join('');
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(
    `Sandbox environment copied: paste it into a terminal, then run the CLI with --authority "$SANDBOX_AUTHORITY" --tenant "$SANDBOX_TENANT" --blueprint "$SANDBOX_BLUEPRINT" --client-secret-env SANDBOX_SECRET. It holds the sandbox's secret, valid until the sandbox stops.`,
  );
  return text;
}
