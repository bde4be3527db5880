// dist/api.js: calling an API with an agent's token (Call API, the CLI's call) and explaining its 401/403, and the
// agent tools (the MCP server's and agent mode's). Loaded on the first call, never at activation.
export * from '../core/apiCall';
export * from '../core/apiCaller';
export * from '../core/apiDiagnosis';
export * from '../core/apiExplain';
export * from '../core/agentTools';
export * from '../core/apiHosts';
