// dist/api.js: calling an API with an agent's token (Call API, the CLI's call) and explaining its 401/403, and the
// agent tools (the MCP server's and agent mode's). Loaded on the first call, never at activation.
export * from '../core/api/apiCall';
export * from '../core/api/apiCaller';
export * from '../core/api/apiDiagnosis';
export * from '../core/api/apiExplain';
export * from '../core/tools/agentTools';
export * from '../core/api/apiHosts';
