import type { CallHistory } from '../tokens/callHistory';
import type { CredentialStore } from '../definitions/credentialStore';
import type { DefinitionStore } from '../definitions/definitions';
import type { InspectorController } from '../inspector/inspectorController';
import type { ExtensionLog } from '../log';
import type { SandboxController } from '../sandbox/sandboxController';
import type { SidecarController } from '../sidecar/sidecarController';
import type { TokenService } from '../tokens/tokenService';
import type { TokenStore } from '../tokens/tokenStore';
import type { AgentTreeProvider } from '../tree/agentTreeProvider';

/** What command handlers work with: the services, injected, never globals. */
export interface CommandContext {
  readonly definitions: DefinitionStore;
  readonly credentials: CredentialStore;
  readonly tokens: TokenStore;
  readonly tokenService: TokenService;
  readonly sandbox: SandboxController;
  readonly sidecar: SidecarController;
  readonly tree: AgentTreeProvider;
  readonly inspector: InspectorController;
  readonly log: ExtensionLog;
  /** The last calls per agent (Call API), in memory only. */
  readonly calls: CallHistory;
}
