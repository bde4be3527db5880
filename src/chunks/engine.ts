// dist/engine.js: the token engine with its HTTP client (undici), the credentials (jose signing), certificate files
// signature checks, and the one acquisition service every face calls. Loaded on the first exchange, verification or credential check, never at activation.
export * from '../core/agentTokens';
export * from '../core/tokenClient';
export * from '../core/credentials';
export * from '../core/certificateFile';
export * from '../core/signature';
export * from '../core/managedIdentity';
export * from '../core/acquisition';
export * from '../core/credentialSource';
export * from '../core/graphClient';
