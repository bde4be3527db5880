// dist/mcp.js: the MCP server of `entra-agent-tokens mcp`, with the MCP SDK and zod. Loaded by that command only.
export * from '../cli/mcp/server';
