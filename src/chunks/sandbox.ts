// dist/sandbox.js: the sandbox tenant (its HTTP server and token issuer). Loaded only when a sandbox starts.
export * from '../sandbox/server';
export * from '../sandbox/directory';
export * from '../sandbox/simulations';
