// What each command takes and gives back. The tree, the status bar, the inspector host and the tests call commands
// through `runCommand` (run.ts), which checks their arguments against this map; the registry checks each handler's
// result against it. A handler still checks its argument at run time: a script or a keybinding can pass anything.
import type { AgentDefinition, BlueprintDefinition } from '../definitions/definitionRules';
import type {
  AddAgentIdentityArgs,
  AddBlueprintArgs,
  AddCertificateArgs,
  AddFederatedCredentialArgs,
  AgentRow,
  AgentTokenSummary,
  AgentUserRow,
  BlueprintRow,
  CallApiArgs,
  CallApiSummary,
  CreateAgentIdentityArgs,
  CreateAgentUserArgs,
  DefinitionsFile,
  DiscoverAgentIdentitiesArgs,
  EditAgentIdentityArgs,
  EditBlueprintArgs,
  ExportSidecarArgs,
  FailureRow,
  GetAgentTokenArgs,
  GrantPermissionsArgs,
  ExplainPermissionsArgs,
  SignInLocalAgentArgs,
  PermissionsExplanation,
  ImportArgs,
  ImportSummary,
  NewBlueprintArgs,
  NewBlueprintResult,
  SandboxStatus,
  SetBlueprintCredentialArgs,
  SidecarRequestRow,
  SidecarStatus,
  SimulateEntraErrorArgs,
  StopSandboxArgs,
  TokenRef,
  TokenRow,
} from './contracts';
import type { CommandId } from './ids';

/** `arg` is what a caller may pass (undefined: the command asks); `result` what it resolves to when it succeeds. */
export interface CommandSignatures {
  [CommandId.addBlueprint]: { arg: AddBlueprintArgs | undefined; result: BlueprintDefinition };
  [CommandId.addAgentIdentity]: { arg: AddAgentIdentityArgs | BlueprintRow | undefined; result: AgentDefinition };
  [CommandId.getAgentToken]: {
    arg: GetAgentTokenArgs | AgentRow | AgentUserRow | undefined;
    result: AgentTokenSummary;
  };
  [CommandId.getAgentTokenForScope]: { arg: AgentRow | undefined; result: AgentTokenSummary };
  [CommandId.callApi]: { arg: CallApiArgs | AgentRow | TokenRow | undefined; result: CallApiSummary };
  [CommandId.createAgentIdentity]: {
    arg: CreateAgentIdentityArgs | BlueprintRow | undefined;
    result: AgentDefinition;
  };
  [CommandId.discoverAgentIdentities]: {
    arg: DiscoverAgentIdentitiesArgs | BlueprintRow | undefined;
    result: { inTenant: number; added: AgentDefinition[] };
  };
  [CommandId.deleteAgentIdentity]: { arg: { agentId: string } | AgentRow | undefined; result: boolean };
  [CommandId.createAgentUser]: {
    arg: CreateAgentUserArgs | AgentRow | undefined;
    result: { id: string; userPrincipalName: string; identityParentId: string };
  };
  [CommandId.newBlueprint]: { arg: NewBlueprintArgs | undefined; result: NewBlueprintResult };
  [CommandId.finishBlueprintSetup]: {
    arg: { blueprintId: string } | BlueprintRow | undefined;
    result: NewBlueprintResult;
  };
  [CommandId.discoverBlueprints]: {
    arg: { tenant: string; cloud?: 'public' | 'usgov' | 'china' } | undefined;
    result: { inTenant: number; added: { blueprints: BlueprintDefinition[]; agents: AgentDefinition[] } };
  };
  [CommandId.grantPermissions]: {
    arg: GrantPermissionsArgs | AgentRow | BlueprintRow | undefined;
    result: { appRoles: string[]; scopes: string[] };
  };
  [CommandId.signInLocalAgent]: {
    arg: SignInLocalAgentArgs | AgentRow | undefined;
    result: AgentTokenSummary;
  };
  [CommandId.explainPermissions]: {
    arg: ExplainPermissionsArgs | AgentRow | undefined;
    result: PermissionsExplanation;
  };
  [CommandId.addCertificate]: {
    arg: AddCertificateArgs | BlueprintRow | undefined;
    result: { path: string; thumbprint: string; notAfter: string };
  };
  [CommandId.addFederatedCredential]: {
    arg: AddFederatedCredentialArgs | BlueprintRow | undefined;
    result: { issuer: string; subject: string; name: string };
  };
  [CommandId.copyAccessToken]: { arg: TokenRef | TokenRow | undefined; result: boolean };
  [CommandId.inspectToken]: {
    arg: { token: string } | TokenRow | undefined;
    result: { claims: Record<string, unknown> };
  };
  [CommandId.setBlueprintCredential]: {
    arg: SetBlueprintCredentialArgs | BlueprintRow | undefined;
    result: BlueprintDefinition;
  };
  [CommandId.editBlueprint]: {
    arg: EditBlueprintArgs | BlueprintRow | FailureRow | undefined;
    result: BlueprintDefinition;
  };
  [CommandId.removeBlueprint]: { arg: { blueprintId: string } | BlueprintRow | undefined; result: boolean };
  [CommandId.editAgentIdentity]: {
    arg: EditAgentIdentityArgs | AgentRow | FailureRow | undefined;
    result: AgentDefinition;
  };
  [CommandId.removeAgentIdentity]: { arg: { agentId: string } | AgentRow | undefined; result: boolean };
  [CommandId.exportDefinitions]: { arg: { path: string } | undefined; result: DefinitionsFile };
  [CommandId.importDefinitions]: { arg: ImportArgs | undefined; result: ImportSummary };
  [CommandId.showErrorDetails]: { arg: FailureRow | { agentId: string } | undefined; result: boolean };
  [CommandId.copyErrorDetails]: { arg: FailureRow | { agentId: string } | undefined; result: boolean };
  [CommandId.refresh]: { arg: undefined; result: void };
  [CommandId.showLog]: { arg: undefined; result: void };
  [CommandId.startSandbox]: { arg: undefined; result: SandboxStatus };
  [CommandId.stopSandbox]: { arg: StopSandboxArgs | BlueprintRow | undefined; result: boolean };
  [CommandId.simulateEntraError]: { arg: SimulateEntraErrorArgs | BlueprintRow | undefined; result: string };
  [CommandId.startSidecar]: { arg: { blueprintId: string } | BlueprintRow | undefined; result: SidecarStatus };
  [CommandId.stopSidecar]: { arg: undefined; result: boolean };
  [CommandId.copySidecarSettings]: { arg: undefined; result: string };
  [CommandId.exportSidecar]: { arg: ExportSidecarArgs | BlueprintRow | undefined; result: string };
  [CommandId.copySandboxEnvironment]: { arg: undefined; result: string };
  [CommandId.copyMcpServerCommand]: { arg: { blueprintId: string } | BlueprintRow | undefined; result: string };
  [CommandId.openSidecarRequest]: { arg: { id: number } | SidecarRequestRow; result: boolean };
}

export type CommandArg<K extends CommandId> = CommandSignatures[K]['arg'];
export type CommandResult<K extends CommandId> = CommandSignatures[K]['result'];
/** The argument list of a command: optional where the command can ask for what is missing. */
export type CommandArgs<K extends CommandId> =
  undefined extends CommandArg<K> ? [arg?: CommandArg<K>] : [arg: CommandArg<K>];
