// What each command takes and gives back. The tree, the status bar, the inspector host and the tests call commands
// through `runCommand` (run.ts), which checks their arguments against this map; the registry checks each handler's
// result against it. A handler still checks its argument at run time: a script or a keybinding can pass anything.
import type { AgentDefinition, BlueprintDefinition } from '../definitionRules';
import type { SandboxStatus } from '../sandboxController';
import type { SidecarStatus } from '../sidecarController';
import type { SidecarRequestNode } from '../tree/sidecarTree';
import type { AgentNode, AgentUserNode, BlueprintNode, FailureNode, TokenNode } from '../tree/nodes';
import type { AddAgentIdentityArgs } from './addAgentIdentity';
import type { AddBlueprintArgs } from './addBlueprint';
import type { CallApiArgs, CallApiSummary } from './callApi';
import type { CreateAgentIdentityArgs, CreateAgentUserArgs, DiscoverAgentIdentitiesArgs } from './graphAgents';
import type {
  AddCertificateArgs,
  AddFederatedCredentialArgs,
  GrantPermissionsArgs,
  NewBlueprintArgs,
  NewBlueprintResult,
} from './graphBlueprints';
import type { EditAgentIdentityArgs } from './editAgentIdentity';
import type { EditBlueprintArgs } from './editBlueprint';
import type { AgentTokenSummary, GetAgentTokenArgs } from './getAgentToken';
import type { CommandId } from './ids';
import type { DefinitionsFile, ImportArgs, ImportSummary } from './importExport';
import type { SimulateEntraErrorArgs } from './simulateError';
import type { StopSandboxArgs } from './sandbox';
import type { SetBlueprintCredentialArgs } from './setBlueprintCredential';

/** A held token, named: the agent, the scope, and for a user's token its user. */
export interface TokenRef {
  agentId: string;
  scope: string;
  subject?: string;
}

/** `arg` is what a caller may pass (undefined: the command asks); `result` what it resolves to when it succeeds. */
export interface CommandSignatures {
  [CommandId.addBlueprint]: { arg: AddBlueprintArgs | undefined; result: BlueprintDefinition };
  [CommandId.addAgentIdentity]: { arg: AddAgentIdentityArgs | BlueprintNode | undefined; result: AgentDefinition };
  [CommandId.getAgentToken]: {
    arg: GetAgentTokenArgs | AgentNode | AgentUserNode | undefined;
    result: AgentTokenSummary;
  };
  [CommandId.getAgentTokenForScope]: { arg: AgentNode | undefined; result: AgentTokenSummary };
  [CommandId.callApi]: { arg: CallApiArgs | AgentNode | TokenNode | undefined; result: CallApiSummary };
  [CommandId.createAgentIdentity]: {
    arg: CreateAgentIdentityArgs | BlueprintNode | undefined;
    result: AgentDefinition;
  };
  [CommandId.discoverAgentIdentities]: {
    arg: DiscoverAgentIdentitiesArgs | BlueprintNode | undefined;
    result: { inTenant: number; added: AgentDefinition[] };
  };
  [CommandId.deleteAgentIdentity]: { arg: { agentId: string } | AgentNode | undefined; result: boolean };
  [CommandId.createAgentUser]: {
    arg: CreateAgentUserArgs | AgentNode | undefined;
    result: { id: string; userPrincipalName: string; identityParentId: string };
  };
  [CommandId.newBlueprint]: { arg: NewBlueprintArgs | undefined; result: NewBlueprintResult };
  [CommandId.finishBlueprintSetup]: {
    arg: { blueprintId: string } | BlueprintNode | undefined;
    result: NewBlueprintResult;
  };
  [CommandId.discoverBlueprints]: {
    arg: { tenant: string; cloud?: 'public' | 'usgov' | 'china' } | undefined;
    result: { inTenant: number; added: { blueprints: BlueprintDefinition[]; agents: AgentDefinition[] } };
  };
  [CommandId.grantPermissions]: {
    arg: GrantPermissionsArgs | AgentNode | undefined;
    result: { appRoles: string[]; scopes: string[] };
  };
  [CommandId.addCertificate]: {
    arg: AddCertificateArgs | BlueprintNode | undefined;
    result: { path: string; thumbprint: string; notAfter: string };
  };
  [CommandId.addFederatedCredential]: {
    arg: AddFederatedCredentialArgs | BlueprintNode | undefined;
    result: { issuer: string; subject: string; name: string };
  };
  [CommandId.copyAccessToken]: { arg: TokenRef | TokenNode | undefined; result: boolean };
  [CommandId.inspectToken]: {
    arg: { token: string } | TokenNode | undefined;
    result: { claims: Record<string, unknown> };
  };
  [CommandId.setBlueprintCredential]: {
    arg: SetBlueprintCredentialArgs | BlueprintNode | undefined;
    result: BlueprintDefinition;
  };
  [CommandId.editBlueprint]: {
    arg: EditBlueprintArgs | BlueprintNode | FailureNode | undefined;
    result: BlueprintDefinition;
  };
  [CommandId.removeBlueprint]: { arg: { blueprintId: string } | BlueprintNode | undefined; result: boolean };
  [CommandId.editAgentIdentity]: {
    arg: EditAgentIdentityArgs | AgentNode | FailureNode | undefined;
    result: AgentDefinition;
  };
  [CommandId.removeAgentIdentity]: { arg: { agentId: string } | AgentNode | undefined; result: boolean };
  [CommandId.exportDefinitions]: { arg: { path: string } | undefined; result: DefinitionsFile };
  [CommandId.importDefinitions]: { arg: ImportArgs | undefined; result: ImportSummary };
  [CommandId.showErrorDetails]: { arg: FailureNode | { agentId: string } | undefined; result: boolean };
  [CommandId.copyErrorDetails]: { arg: FailureNode | { agentId: string } | undefined; result: boolean };
  [CommandId.refresh]: { arg: undefined; result: void };
  [CommandId.showLog]: { arg: undefined; result: void };
  [CommandId.startSandbox]: { arg: undefined; result: SandboxStatus };
  [CommandId.stopSandbox]: { arg: StopSandboxArgs | BlueprintNode | undefined; result: boolean };
  [CommandId.simulateEntraError]: { arg: SimulateEntraErrorArgs | BlueprintNode | undefined; result: string };
  [CommandId.startSidecar]: { arg: { blueprintId: string } | BlueprintNode | undefined; result: SidecarStatus };
  [CommandId.stopSidecar]: { arg: undefined; result: boolean };
  [CommandId.copySidecarSettings]: { arg: undefined; result: string };
  [CommandId.copySandboxEnvironment]: { arg: undefined; result: string };
  [CommandId.copyMcpServerCommand]: { arg: { blueprintId: string } | BlueprintNode | undefined; result: string };
  [CommandId.openSidecarRequest]: { arg: { id: number } | SidecarRequestNode; result: boolean };
}

export type CommandArg<K extends CommandId> = CommandSignatures[K]['arg'];
export type CommandResult<K extends CommandId> = CommandSignatures[K]['result'];
/** The argument list of a command: optional where the command can ask for what is missing. */
export type CommandArgs<K extends CommandId> =
  undefined extends CommandArg<K> ? [arg?: CommandArg<K>] : [arg: CommandArg<K>];
