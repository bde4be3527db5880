// dist/engine.js: the token engine with its HTTP client (undici), the credentials (jose signing), certificate files
// and signature checks. Loaded on the first exchange, verification or credential check, never at activation.
export * from '../core/agentTokens';
export * from '../core/credentials';
export * from '../core/certificateFile';
export * from '../core/signature';
export * from '../core/managedIdentity';
