// The MCP server as a test drives it: `entra-agent-tokens mcp` on the sandbox, spawned and spoken to by the official
// MCP SDK client over stdio (optionally a client that declares elicitation), every message it sends recorded, and the
// check every MCP test ends with: nothing it said or logged holds the blueprint's secret or any JWT.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { cliPath, sandboxBlueprintArgs } from './cliRunner';
import { SECRET } from './helpers';

const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/;

export interface McpSession {
  client: Client;
  /** Every message the server sent once connected, as JSON text. */
  received: string[];
  stderr: () => string;
  close: () => Promise<void>;
}

export type Elicit = (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;

/** Starts the server for the suite sandbox's blueprint (its secret in the environment) and connects to it. */
export async function connectMcp(
  authority: string,
  options: { extra?: string[]; elicit?: Elicit } = {},
): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      cliPath,
      'mcp',
      ...sandboxBlueprintArgs(authority),
      '--client-secret-env',
      'BP_SECRET',
      ...(options.extra ?? []),
    ],
    env: { PATH: process.env.PATH ?? '', BP_SECRET: SECRET },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d));
  const client = new Client(
    { name: 'entra-agent-tokens-test', version: '1.0.0' },
    options.elicit ? { capabilities: { elicitation: { form: {} } } } : {},
  );
  if (options.elicit) {
    const elicit = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => elicit(request));
  }
  const received: string[] = [];
  await client.connect(transport);
  const deliver = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(JSON.stringify(message));
    deliver?.(message);
  };
  return { client, received, stderr: () => stderr, close: () => client.close() };
}

/** Nothing the server said or logged holds the secret or any JWT (the tokens it made, or one it was given). */
export function assertNoLeak(session: McpSession): void {
  for (const text of [...session.received, session.stderr()]) {
    assert.ok(!text.includes(SECRET), 'the secret appears');
    assert.ok(!JWT.test(text), `a token appears: ${JWT.exec(text)?.[0].slice(0, 40)}…`);
  }
}

/** The text content of a tool result. */
export const textOf = (r: object) =>
  (((r as { content?: unknown }).content as { type: string; text: string }[] | undefined) ?? [])
    .map((c) => c.text)
    .join('\n');
