// Offers `entra-agent-tokens mcp` to VS Code (Agent mode's MCP servers), one server per blueprint in the view that can
// run one: the user picks which to start in VS Code's MCP list. The command line names the credential by environment
// variable or path only (mcpServerPlan.ts); the secret or passphrase is read from SecretStorage and put in the
// server's environment only when VS Code starts it (resolveMcpServerDefinition), never in a definition it may keep.
import * as vscode from 'vscode';
import type { CredentialStore } from '../definitions/credentialStore';
import type { DefinitionStore } from '../definitions/definitions';
import { MCP_PASSPHRASE_ENV, MCP_SECRET_ENV, mcpServerPlan } from './mcpServerPlan';
import { readSettings } from '../settings';

export const MCP_PROVIDER_ID = 'entraAgentTokens.mcp';

export function registerMcpProvider(
  extensionUri: vscode.Uri,
  version: string,
  definitions: DefinitionStore,
  credentials: CredentialStore,
): vscode.Disposable[] {
  if (typeof vscode.lm?.registerMcpServerDefinitionProvider !== 'function') return [];
  const changed = new vscode.EventEmitter<void>();
  const cliPath = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  /** Which blueprint each offered server is (by its label). */
  let offered = new Map<string, string>();
  const provider: vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition> = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const hosts = readSettings().additionalAuthorityHosts;
      offered = new Map();
      return definitions.blueprints().flatMap((b) => {
        const plan = mcpServerPlan(b, cliPath, hosts);
        if (!plan) return [];
        offered.set(plan.label, b.clientId);
        return [new vscode.McpStdioServerDefinition(plan.label, process.execPath, plan.args, plan.env, version)];
      });
    },
    resolveMcpServerDefinition: async (server) => {
      const blueprint = definitions.blueprint(offered.get(server.label) ?? '');
      if (!blueprint) throw new Error(`${server.label}: the blueprint is no longer in the Entra Agent Tokens view.`);
      if (blueprint.credentialKind === 'secret') {
        const secret = await credentials.get(blueprint.clientId, 'clientSecret');
        if (!secret)
          throw new Error(`${server.label}: the blueprint has no client secret yet. Run "Set Blueprint Credential…".`);
        server.env = { ...server.env, [MCP_SECRET_ENV]: secret };
      }
      if (blueprint.credentialKind === 'certificate') {
        const passphrase = await credentials.get(blueprint.clientId, 'certificatePassphrase');
        if (passphrase) {
          server.env = { ...server.env, [MCP_PASSPHRASE_ENV]: passphrase };
          if (!server.args.includes('--certificate-password-env'))
            server.args = [...server.args, '--certificate-password-env', MCP_PASSPHRASE_ENV];
        }
      }
      return server;
    },
  };
  return [
    changed,
    definitions.onDidChange(() => changed.fire()),
    vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider),
  ];
}
