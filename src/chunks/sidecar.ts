// dist/sidecar.js: the local agent sidecar's HTTP server. Loaded only when a sidecar starts (the CLI's `sidecar`, or
// Start Agent Sidecar in VS Code), and its export for production (with the yaml package).
export * from '../sidecar/sidecarServer';
export * from '../sidecar/sidecarExport';
