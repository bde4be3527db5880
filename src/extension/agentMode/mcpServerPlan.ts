// How the extension offers `entra-agent-tokens mcp` to VS Code for one blueprint: the command line (pure, no vscode,
// so a unit test holds it). The credential never goes on it: a secret or passphrase is named by an environment
// variable the provider fills in just before the server starts; a certificate, token file or managed identity is a
// path or an id.
import { isAllowedAuthority } from '../../core/config/authorityPolicy';
import { posixQuote } from '../../core/safety/shellQuote';
import type { BlueprintDefinition } from '../definitions/definitionRules';

export const MCP_SECRET_ENV = 'ENTRA_AGENT_TOKENS_CLIENT_SECRET';
export const MCP_PASSPHRASE_ENV = 'ENTRA_AGENT_TOKENS_CERTIFICATE_PASSWORD';

export interface McpServerPlan {
  readonly label: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  /** Environment variables the provider fills from SecretStorage when the server starts. */
  readonly secretEnv?: typeof MCP_SECRET_ENV;
}

/** The server for a blueprint, or undefined when it cannot run one yet (setup unfinished, an import unconfirmed). */
export function mcpServerPlan(
  blueprint: BlueprintDefinition,
  cliPath: string,
  additionalAuthorityHosts: readonly string[],
): McpServerPlan | undefined {
  if (blueprint.setup || blueprint.confirmBeforeUse) return undefined;
  const args = [
    cliPath,
    'mcp',
    '--tenant',
    blueprint.tenant,
    '--blueprint',
    blueprint.clientId,
    '--authority',
    blueprint.authority,
  ];
  // A host the user allowed in their settings is allowed for the server too; no other.
  const host = new URL(blueprint.authority).host;
  if (!isAllowedAuthority(blueprint.authority, []) && isAllowedAuthority(blueprint.authority, additionalAuthorityHosts))
    args.push('--allow-authority-host', host);
  let secretEnv: McpServerPlan['secretEnv'];
  switch (blueprint.credentialKind) {
    case 'secret':
      args.push('--client-secret-env', MCP_SECRET_ENV);
      secretEnv = MCP_SECRET_ENV;
      break;
    case 'certificate':
      if (!blueprint.certificatePath) return undefined;
      args.push('--certificate', blueprint.certificatePath, '--assertion-alg', blueprint.assertionAlgorithm ?? 'PS256');
      break;
    case 'federatedTokenFile':
      if (!blueprint.federatedTokenFile) return undefined;
      args.push('--federated-token-file', blueprint.federatedTokenFile);
      break;
    case 'managedIdentity':
      args.push(
        '--managed-identity',
        ...(blueprint.managedIdentityClientId ? [blueprint.managedIdentityClientId] : []),
      );
      break;
  }
  return {
    label: `Entra Agent Tokens: ${blueprint.displayName}${blueprint.sandbox ? ' (sandbox)' : ''}`,
    args,
    // VS Code's own executable runs the CLI as Node.
    env: { ELECTRON_RUN_AS_NODE: '1' },
    ...(secretEnv ? { secretEnv } : {}),
  };
}

/**
 * The same server as one line for a terminal agent (`claude mcp add … -- <line>`, a client's `command`): Node runs the
 * extension's own bundled CLI, every word quoted for POSIX shells. It names the credential and never holds it: a
 * secret is read from the variable `secretEnv` names, which the user sets where the agent runs.
 */
export function mcpServerCommandLine(plan: McpServerPlan, node = 'node'): string {
  return [node, ...plan.args].map(posixQuote).join(' ');
}
