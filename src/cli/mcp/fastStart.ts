// The MCP server's front: MCP clients start servers often, and most first ask only `initialize` and the lists. The
// front answers those from dist/mcp-listings.json (what the server itself answered at build time: server.ts
// frontListings), so a client has its tools before the SDK, zod and the engine load. The first request it does not
// answer (a call, a read, anything unusual), or the moment after the tool list went out, hands the session to the
// SDK's server (server.ts serveMcp): the `initialize` it saw is replayed under an id of its own (the server learns
// the client's capabilities, elicitation among them; that answer is dropped), then every line in order.
//
// It imports nothing of the SDK or the engine (it is in dist/cli.js); it writes only JSON-RPC lines to stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLine } from '../../core/safety/redact';
import { terminalSafe } from '../../core/safety/terminalText';
import { writeErr, writeProtocolLine } from '../terminal';
import {
  LISTINGS_FILE,
  REPLAYED_INITIALIZE_ID,
  type FrontListings,
  type FrontSession,
  type ModeListings,
} from './listings';
import type { McpServerOptions } from './session';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The listings the build wrote beside this bundle; undefined when absent or unreadable (the SDK then starts at once). */
export function readListings(dir: string): FrontListings | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, LISTINGS_FILE), 'utf8')) as FrontListings;
    return isObject(parsed.full) && isObject(parsed.readOnly) && Array.isArray(parsed.protocolVersions)
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves stdin/stdout: answers initialize and the lists itself, then hands over. Resolves when the session ends
 * (stdin closes, or `stopped`).
 */
export async function serveWithFront(
  options: McpServerOptions,
  listings: FrontListings,
  stopped: Promise<void>,
  load: () => Promise<typeof import('./server')>,
): Promise<void> {
  const mode: ModeListings = options.readOnly ? listings.readOnly : listings.full;
  const out = (message: Json) => writeProtocolLine(JSON.stringify(message));
  let initialize: Json | undefined;
  let initialized: string | undefined;
  const waiting: string[] = [];
  let deliver: ((line: string) => void) | undefined;
  let handing: Promise<void> | undefined;
  let served: Promise<void> | undefined;
  /** The SDK's server could not load (a damaged install): the session ends, and the CLI explains why. */
  let failed: unknown;

  let endInput!: () => void;
  const closed = new Promise<void>((resolve) => (endInput = resolve));

  const handOff = () => {
    handing ??= (async () => {
      const { serveMcp } = await load();
      const pending = [
        ...(initialize ? [JSON.stringify({ ...initialize, id: REPLAYED_INITIALIZE_ID })] : []),
        ...(initialized ? [initialized] : []),
        ...waiting.splice(0),
      ];
      const session: FrontSession = {
        pending,
        onLine: (f) => {
          deliver = f;
          for (const line of waiting.splice(0)) f(line);
        },
        write: writeProtocolLine,
        closed,
      };
      served = serveMcp(options, stopped, { front: session });
    })().catch((e: unknown) => {
      failed = e;
      endInput();
    });
    return handing;
  };

  /** A request the front answers as the SDK's server would; false for anything else. */
  const answer = (line: string): boolean => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return false;
    }
    if (!isObject(message) || message.jsonrpc !== '2.0') return false;
    const { id, method, params } = message;
    const hasId = typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
    if (method === 'notifications/initialized' && !hasId && initialize && !initialized) {
      initialized = line;
      return true;
    }
    if (!hasId) return false;
    const plain = params === undefined || (isObject(params) && Object.keys(params).every((k) => k === '_meta'));
    if (method === 'initialize' && !initialize && isInitializeParams(params)) {
      initialize = message;
      const asked = params.protocolVersion;
      out({
        jsonrpc: '2.0',
        id,
        result: {
          ...mode.initialize,
          protocolVersion: listings.protocolVersions.includes(asked) ? asked : listings.latestProtocolVersion,
        },
      });
      return true;
    }
    if (!initialize || !plain) return false;
    if (method === 'ping') {
      out({ jsonrpc: '2.0', id, result: {} });
      return true;
    }
    if (method === 'tools/list' || method === 'prompts/list' || method === 'resources/templates/list') {
      out({ jsonrpc: '2.0', id, result: mode[method] });
      // The client has its tools; the SDK loads now, while the model thinks, not at the first call.
      if (method === 'tools/list') setTimeout(() => void handOff(), 0);
      return true;
    }
    return false;
  };

  let buffer = '';
  const onData = (chunk: Buffer | string) => {
    buffer += chunk.toString();
    for (let cut = buffer.indexOf('\n'); cut >= 0; cut = buffer.indexOf('\n')) {
      const line = buffer.slice(0, cut).replace(/\r$/, '');
      buffer = buffer.slice(cut + 1);
      if (deliver) deliver(line);
      else if (handing || !answer(line)) {
        waiting.push(line);
        void handOff();
      }
    }
  };
  process.stdin.on('data', onData);
  const end = () => endInput();
  process.stdin.once('end', end);
  process.stdin.once('close', end);

  writeErr(
    `${terminalSafe(logLine(`entra-agent-tokens MCP server ${options.version}${options.readOnly ? ' (read-only)' : ''}: blueprint ${options.base.blueprintId}, tenant ${options.base.tenant}, on stdio.`))}\n`,
  );
  await Promise.race([stopped, closed, handing ?? new Promise<void>(() => undefined)]);
  // Handed over: the server's own end (it watches stdin's end and `stopped` too).
  while (handing && !served && failed === undefined) await handing;
  if (failed !== undefined) throw failed;
  if (served) await served;
  process.stdin.off('data', onData);
}

function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  return (
    isObject(params) &&
    typeof params.protocolVersion === 'string' &&
    isObject(params.capabilities) &&
    isObject(params.clientInfo) &&
    typeof params.clientInfo.name === 'string' &&
    typeof params.clientInfo.version === 'string'
  );
}
