/** Every command the extension contributes. A unit test checks this set against package.json. */
export const CommandId = {
  addBlueprint: 'entraAgentTokens.addBlueprint',
  addAgentIdentity: 'entraAgentTokens.addAgentIdentity',
  getAgentToken: 'entraAgentTokens.getAgentToken',
  getAgentTokenForScope: 'entraAgentTokens.getAgentTokenForScope',
  copyAccessToken: 'entraAgentTokens.copyAccessToken',
  inspectToken: 'entraAgentTokens.inspectToken',
  setBlueprintCredential: 'entraAgentTokens.setBlueprintCredential',
  editBlueprint: 'entraAgentTokens.editBlueprint',
  removeBlueprint: 'entraAgentTokens.removeBlueprint',
  editAgentIdentity: 'entraAgentTokens.editAgentIdentity',
  removeAgentIdentity: 'entraAgentTokens.removeAgentIdentity',
  exportDefinitions: 'entraAgentTokens.exportDefinitions',
  importDefinitions: 'entraAgentTokens.importDefinitions',
  showErrorDetails: 'entraAgentTokens.showErrorDetails',
  copyErrorDetails: 'entraAgentTokens.copyErrorDetails',
  refresh: 'entraAgentTokens.refresh',
  showLog: 'entraAgentTokens.showLog',
  startSandbox: 'entraAgentTokens.startSandbox',
  stopSandbox: 'entraAgentTokens.stopSandbox',
  simulateEntraError: 'entraAgentTokens.simulateEntraError',
  startSidecar: 'entraAgentTokens.startSidecar',
  stopSidecar: 'entraAgentTokens.stopSidecar',
  copySidecarSettings: 'entraAgentTokens.copySidecarSettings',
  exportSidecar: 'entraAgentTokens.exportSidecar',
  copyMcpServerCommand: 'entraAgentTokens.copyMcpServerCommand',
  copySandboxEnvironment: 'entraAgentTokens.copySandboxEnvironment',
  openSidecarRequest: 'entraAgentTokens.openSidecarRequest',
  callApi: 'entraAgentTokens.callApi',
  createAgentIdentity: 'entraAgentTokens.createAgentIdentity',
  discoverAgentIdentities: 'entraAgentTokens.discoverAgentIdentities',
  createAgentUser: 'entraAgentTokens.createAgentUser',
  deleteAgentIdentity: 'entraAgentTokens.deleteAgentIdentity',
  newBlueprint: 'entraAgentTokens.newBlueprint',
  finishBlueprintSetup: 'entraAgentTokens.finishBlueprintSetup',
  discoverBlueprints: 'entraAgentTokens.discoverBlueprints',
  grantPermissions: 'entraAgentTokens.grantPermissions',
  explainPermissions: 'entraAgentTokens.explainPermissions',
  signInLocalAgent: 'entraAgentTokens.signInLocalAgent',
  addCertificate: 'entraAgentTokens.addCertificate',
  addFederatedCredential: 'entraAgentTokens.addFederatedCredential',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** The `when`-clause context keys the extension sets (package.json's menus read them). */
export const ContextKey = {
  hasTokens: 'entraAgentTokens.hasTokens',
  sandboxRunning: 'entraAgentTokens.sandboxRunning',
  /** The user has added a blueprint of their own (the walkthrough's last step is done). */
  hasOwnBlueprint: 'entraAgentTokens.hasOwnBlueprint',
  /** The local agent sidecar is listening. */
  sidecarRunning: 'entraAgentTokens.sidecarRunning',
  /** An API answered a Call API in this window (the walkthrough's "Call your API" step is done). */
  hasCalledApi: 'entraAgentTokens.hasCalledApi',
  /** Signed in to a real tenant's Graph in this window (the walkthrough's "Create blueprints in your tenant"). */
  hasSignedIn: 'entraAgentTokens.hasSignedIn',
} as const;

export type ContextKey = (typeof ContextKey)[keyof typeof ContextKey];
