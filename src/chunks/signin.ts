// dist/signin.js: a user's sign-in to a local agent (core/signin/localAgentSignIn.ts) with openid-client: the
// authorization code flow with PKCE through a loopback redirect. Loaded by the CLI's sign-in and VS Code's Sign In to
// Local Agent…, never at start-up.
export * from '../core/signin/localAgentSignIn';
