import type { CallHistory } from '../callHistory';
import type { CredentialStore } from '../credentialStore';
import type { DefinitionStore } from '../definitions';
import type { InspectorController } from '../inspector/inspectorController';
import type { ExtensionLog } from '../log';
import type { SandboxController } from '../sandboxController';
import type { SidecarController } from '../sidecarController';
import type { TokenService } from '../tokenService';
import type { TokenStore } from '../tokenStore';
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
