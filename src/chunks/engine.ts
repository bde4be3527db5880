// dist/engine.js: the token engine with its HTTP client (undici), the credentials (jose signing), certificate files
// signature checks, and the one acquisition service every face calls. Loaded on the first exchange, verification or credential check, never at activation.
export * from '../core/engine/agentTokens';
export * from '../core/engine/tokenClient';
export * from '../core/credentials/credentials';
export * from '../core/credentials/certificateFile';
export * from '../core/tokens/signature';
export * from '../core/credentials/managedIdentity';
export * from '../core/engine/acquisition';
export * from '../core/credentials/credentialSource';
export * from '../core/graph/graphClient';
