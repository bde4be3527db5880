// dist/provisioning.js: what acts on the tenant through Microsoft Graph from VS Code — as a blueprint (agent
// identities, agent users) or as the signed-in developer (blueprints, their setup, grants). Loaded on the first such
// command, never at activation. And what a user runs rarely: Copy MCP Server Command, Copy Sandbox Environment,
// Export and Import, Simulate an Entra Error…, Remove Blueprint and Remove Agent Identity, Copy Sidecar Settings, Export Sidecar for Production…,
// Edit Blueprint… and Edit Agent Identity….
export * from '../core/graph/blueprintSetup';
export * from '../extension/graph/userGraph';
export * from '../extension/commands/graphAgents';
export * from '../extension/commands/graphBlueprints';
export * from '../extension/commands/explainPermissions';
export * from '../extension/commands/signInLocalAgent';
export * from '../extension/commands/mcpServerCommand';
export * from '../extension/commands/importExport';
export * from '../extension/commands/simulateError';
export * from '../extension/commands/removeBlueprint';
export * from '../extension/commands/removeAgentIdentity';
export * from '../extension/sidecar/sidecarSettings';
export * from '../extension/commands/copySidecarSettings';
export * from '../extension/commands/exportSidecar';
export * from '../extension/sandbox/stopSandboxAsk';
export * from '../extension/commands/editBlueprint';
export * from '../extension/commands/editAgentIdentity';
export * from '../extension/agentMode/lmCalls';
