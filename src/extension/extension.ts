import * as vscode from 'vscode';
import { CallHistory } from './tokens/callHistory';
import { callFromEditor } from './commands/callApi';
import { CommandId } from './commands/ids';
import { guarded } from './errorBoundary';
import { registerCommands } from './commands/registry';
import { runCommand } from './commands/run';
import { CredentialStore, type SecretKind } from './definitions/credentialStore';
import { DefinitionStore } from './definitions/definitions';
import { InspectorController } from './inspector/inspectorController';
import { INSPECTOR_VIEW_TYPE } from './inspector/inspectorPanel';
import { ExtensionLog } from './log';
import type { InspectorState } from '../webview/protocol';
import { SANDBOX_AUTH_PROVIDER, SandboxAuthProvider } from './sandbox/graphSignIn';
import { registerLanguageModelTools } from './agentMode/lmTools';
import type { CallApiInput } from './agentMode/lmCalls';
import { registerMcpProvider } from './agentMode/mcpProvider';
import { SandboxController } from './sandbox/sandboxController';
import { SidecarController } from './sidecar/sidecarController';
import { SidecarStatusBar } from './sidecar/sidecarStatusBar';
import { sidecarViewMessage, SidecarTreeProvider } from './sidecar/sidecarTree';
import { readSettings } from './settings';
import { TokenStatusBar } from './tokens/statusBar';
import { TokenService } from './tokens/tokenService';
import { TokenStore } from './tokens/tokenStore';
import { AgentTreeProvider } from './tree/agentTreeProvider';

/** What activate() returns, for tests and other extensions that script this one. Never a secret value. */
export interface EntraAgentTokensApi {
  readonly tree: AgentTreeProvider;
  /** The agent sidecar: its status and the requests it answered (ids, scopes, statuses; tokens only in memory). */
  readonly sidecar: SidecarController;
  readonly sidecarTree: SidecarTreeProvider;
  /** Which secrets are stored for a blueprint (names only). */
  storedSecrets(blueprintId: string): Promise<SecretKind[]>;
  /**
   * What agent mode's API tool (the changing one unless `read`) asks the user to confirm for this input: its title and
   * Markdown source; undefined when it runs without asking (the reading tool, to the resource's own host).
   */
  callConfirmation(
    input: CallApiInput,
    tool?: 'read' | 'write',
  ): Promise<{ title: string; markdown: string } | undefined>;
}

declare const __eatLoadStart: number | undefined;

/**
 * What deactivate() must wait for (the sidecar's and the sandbox's servers). VS Code passes deactivate no
 * context, so activate leaves it here: the one module-level binding, set once per activation.
 */
let stopOnDeactivate: (() => Promise<unknown>) | undefined;

/** Registration only: no network, no sandbox, no file reads. Each disposable is owned the moment it is made. */
export function activate(context: vscode.ExtensionContext): EntraAgentTokensApi {
  const own = <T extends vscode.Disposable>(d: T): T => (context.subscriptions.push(d), d);
  const log = own(new ExtensionLog());
  const definitions = own(new DefinitionStore(context.globalState, () => readSettings().additionalAuthorityHosts));
  const credentials = own(new CredentialStore(context.secrets));
  const tokens = own(new TokenStore());
  const tokenService = own(new TokenService(definitions, credentials, tokens, log));
  const sandbox = own(new SandboxController(definitions, credentials, tokens, log, context.workspaceState));
  // The sandbox tenant's sign-in, so signed-in Graph commands take one path for the sandbox and a real tenant.
  own(
    vscode.authentication.registerAuthenticationProvider(
      SANDBOX_AUTH_PROVIDER,
      'Entra Agent Tokens Sandbox',
      own(new SandboxAuthProvider(sandbox)),
      { supportsMultipleAccounts: false },
    ),
  );
  const sidecar = own(new SidecarController(tokenService, definitions, log));
  // The sidecar first (it may be serving the sandbox's blueprint), then the sandbox: both ports closed on exit.
  stopOnDeactivate = async () => {
    await sidecar.stop();
    await sandbox.stop();
  };
  const tree = own(new AgentTreeProvider(definitions, credentials, tokens));
  const inspector = own(
    new InspectorController(
      context.extensionUri,
      tokens,
      definitions,
      log,
      () => sandbox.status?.authority,
      async () => (await import('../core/tokens/signature')).SignatureVerifier,
    ),
  );
  own(
    vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: InspectorState | undefined) => inspector.revive(panel, state),
    }),
  );
  const agentsView = own(
    vscode.window.createTreeView('entraAgentTokens.agents', { treeDataProvider: tree, showCollapseAll: true }),
  );
  // The sandbox's URL stays in sight while it runs (its start's status message lasts seconds).
  own(
    definitions.onDidChange(() => {
      const url = sandbox.status?.authority;
      const message = url ? `Sandbox tenant running at ${url} (Copy Sandbox Environment for a shell).` : undefined;
      if (agentsView.message !== message) agentsView.message = message;
    }),
  );
  own(new TokenStatusBar(tokens, definitions));
  const sidecarTree = own(new SidecarTreeProvider(sidecar, definitions));
  const sidecarView = own(vscode.window.createTreeView('entraAgentTokens.sidecar', { treeDataProvider: sidecarTree }));
  own(sidecar.onDidChange(() => (sidecarView.message = sidecarViewMessage(sidecar))));
  own(new SidecarStatusBar(sidecar));
  const commandContext = {
    definitions,
    credentials,
    tokens,
    tokenService,
    sandbox,
    sidecar,
    tree,
    inspector,
    log,
    calls: new CallHistory(),
  };
  for (const d of registerCommands(commandContext)) own(d);
  for (const d of registerLanguageModelTools(commandContext)) own(d);
  for (const d of registerMcpProvider(
    context.extensionUri,
    context.extension.packageJSON.version as string,
    definitions,
    credentials,
  ))
    own(d);
  // A Send in an inspector's request editor: the same call as Call API's, through the same error boundary.
  inspector.onCall = (draft, panel) =>
    guarded('inspector: call', log, () => callFromEditor(commandContext, draft, panel)).then(
      (r) => r ?? { ok: false, message: 'The call did not complete; the notification says why.' },
    );
  const loaded = typeof __eatLoadStart === 'number' ? __eatLoadStart : undefined;
  log.info(
    `Activated in ${loaded === undefined ? '?' : (performance.now() - loaded).toFixed(1)} ms (bundle load and activate).`,
  );
  // `npm start` opens VS Code with this set, so the sandbox is there the moment the view opens.
  if (process.env.ENTRA_AGENT_TOKENS_SANDBOX === 'autostart') void runCommand(CommandId.startSandbox);
  return {
    tree,
    sidecar,
    sidecarTree,
    storedSecrets: async (blueprintId) => {
      const kinds: SecretKind[] = ['clientSecret', 'certificatePassphrase'];
      const present = await Promise.all(kinds.map(async (k) => !!(await credentials.get(blueprintId, k))));
      return kinds.filter((_, i) => present[i]);
    },
    callConfirmation: async (input, tool = 'write') => {
      const { prepareCall } = await import('./agentMode/lmCalls');
      const asked = (await prepareCall(commandContext, tool, input)).confirmationMessages;
      if (!asked) return undefined;
      return {
        title: asked.title,
        markdown: typeof asked.message === 'string' ? asked.message : asked.message.value,
      };
    },
  };
}

/** VS Code waits for the returned promise: the sandbox's port is closed before the extension host goes away. */
export async function deactivate(): Promise<void> {
  const stop = stopOnDeactivate;
  stopOnDeactivate = undefined;
  await stop?.();
}
