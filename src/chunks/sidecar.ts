// dist/sidecar.js: the local agent sidecar's HTTP server. Loaded only when a sidecar starts (the CLI's `sidecar`, or
// Start Agent Sidecar in VS Code).
export * from '../sidecar/sidecarServer';
