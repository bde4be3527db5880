// The MCP server's front: MCP clients start servers often, and most first ask only `initialize` and the lists. The
// front answers those from dist/mcp-listings.json (what the server itself answered at build time: server.ts
// frontListings), so a client has its tools before the SDK, zod and the engine load. The first request it does not
// answer (a call, a read, anything unusual), or the moment after the tool list went out, hands the session to the
// SDK's server (server.ts serveMcp): the `initialize` it saw is replayed under an id of its own (the server learns
// the client's capabilities, elicitation among them; that answer is dropped), then every line in order. Without the
// listings (run from source, a watch build) it hands over at the first line. Either way the front stays stdin's reader
// (as the SDK's ReadBuffer reads it: bytes split at '\n', 10 MB at most) and every line out goes through
// writeProtocolMessage, the last guard of what the server says.
//
// It answers only what it is sure the SDK would answer the same way: a message with exactly the JSON-RPC members, an
// id that is a string or a safe integer, params that are absent or hold only an object `_meta`, and an initialize whose
// capabilities and client info have the plain shapes clients send. Anything else goes to the SDK, which answers it.
//
// It imports nothing of the SDK or the engine (it is in dist/cli.js).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLine } from '../../core/safety/redact';
import { terminalSafe } from '../../core/safety/terminalText';
import { writeErr, writeProtocolMessage } from '../terminal';
import { LISTINGS_FILE, replayedInitializeId, type FrontListings, type FrontSession } from './listings';
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
  listings: FrontListings | undefined,
  stopped: Promise<void>,
  load: () => Promise<typeof import('./server')>,
): Promise<void> {
  const mode = listings && (options.readOnly ? listings.readOnly : listings.full);
  const replayId = replayedInitializeId();
  const out = (message: Json) => writeProtocolMessage(message);
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
        ...(initialize ? [JSON.stringify({ ...initialize, id: replayId })] : []),
        ...(initialized ? [initialized] : []),
        ...waiting.splice(0),
      ];
      const session: FrontSession = {
        pending,
        onLine: (f) => {
          deliver = f;
          for (const line of waiting.splice(0)) f(line);
        },
        write: writeProtocolMessage,
        closed,
        replayId,
        end: endInput,
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
    if (!listings || !mode) return false;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return false;
    }
    if (!isObject(message) || message.jsonrpc !== '2.0') return false;
    if (!Object.keys(message).every((k) => MEMBERS.has(k))) return false;
    const { id, method, params } = message;
    const hasId = typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
    if (params !== undefined && !(isObject(params) && (params._meta === undefined || isObject(params._meta))))
      return false;
    if (method === 'notifications/initialized' && !('id' in message) && initialize && !initialized) {
      initialized = line;
      return true;
    }
    if (!hasId) return false;
    const plain = params === undefined || Object.keys(params).every((k) => k === '_meta');
    if (method === 'initialize' && !initialize && isPlainInitialize(params)) {
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

  /** Whatever the line, the front never throws in stdin's handler: a line it cannot judge is the SDK's. */
  const answeredSafely = (line: string): boolean => {
    try {
      return answer(line);
    } catch {
      return false;
    }
  };

  // stdin as the SDK's ReadBuffer reads it: bytes until '\n', a line decoded whole (UTF-8 never split), 10 MB at most
  // unread (more is dropped, with a line on stderr, and reading goes on).
  let buffer: Buffer | undefined;
  const onLine = (line: string) => {
    if (deliver) deliver(line);
    else if (handing || !answeredSafely(line)) {
      waiting.push(line);
      void handOff();
    }
  };
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if ((buffer?.length ?? 0) + bytes.length > MAX_UNREAD) {
      buffer = undefined;
      writeErr(`MCP: a message over ${MAX_UNREAD / 1024 / 1024} MB was dropped.\n`);
      return;
    }
    const from = buffer?.length ?? 0;
    buffer = buffer ? Buffer.concat([buffer, bytes]) : bytes;
    let cut = buffer.indexOf(0x0a, from);
    while (cut >= 0) {
      const line = buffer.toString('utf8', 0, cut).replace(/\r$/, '');
      buffer = buffer.subarray(cut + 1);
      onLine(line);
      cut = buffer.indexOf(0x0a);
    }
    if (buffer.length === 0) buffer = undefined;
  };
  process.stdin.on('data', onData);
  const end = () => endInput();
  process.stdin.once('end', end);
  process.stdin.once('close', end);
  // A broken stdin ends the session, as the SDK's transport reports it and closes.
  const broken = (e: Error) => {
    writeErr(`MCP: stdin failed: ${e.message.slice(0, 200)}\n`);
    endInput();
  };
  process.stdin.on('error', broken);

  writeErr(
    `${terminalSafe(logLine(`entra-agent-tokens MCP server ${options.version}${options.readOnly ? ' (read-only)' : ''}: blueprint ${options.base.blueprintId}, tenant ${options.base.tenant}, on stdio.`))}\n`,
  );
  await Promise.race([stopped, closed]);
  // Handed over: the server's own end (it watches stdin's end and `stopped` too).
  while (handing && !served && failed === undefined) await handing;
  if (failed !== undefined) throw failed;
  if (served) await served;
  process.stdin.off('data', onData);
  process.stdin.off('error', broken);
}

/** The members a JSON-RPC request or notification may have (the SDK's schemas are strict). */
const MEMBERS = new Set(['jsonrpc', 'id', 'method', 'params']);

/** What the SDK's stdio transport reads unread at most (its STDIO_DEFAULT_MAX_BUFFER_SIZE). */
const MAX_UNREAD = 10 * 1024 * 1024;

/**
 * An initialize as clients send it, which the SDK's schema takes: a protocol version, client info of strings only,
 * capabilities of objects whose members are booleans or objects (roots.listChanged, sampling, elicitation.form…).
 * Anything richer (icons, odd types) goes to the SDK, which checks it with its own schema and answers.
 */
function isPlainInitialize(params: unknown): params is { protocolVersion: string } {
  if (!isObject(params) || typeof params.protocolVersion !== 'string') return false;
  if (!Object.keys(params).every((k) => k === 'protocolVersion' || k === 'capabilities' || k === 'clientInfo'))
    return false;
  const { clientInfo, capabilities } = params;
  if (!isObject(clientInfo) || typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string')
    return false;
  if (!Object.entries(clientInfo).every(([k, v]) => ['name', 'version', 'title'].includes(k) && typeof v === 'string'))
    return false;
  if (!isObject(capabilities)) return false;
  const known: Record<string, (v: Json) => boolean> = {
    roots: (v) => Object.entries(v).every(([k, x]) => k === 'listChanged' && typeof x === 'boolean'),
    sampling: (v) => Object.values(v).every(isObject),
    elicitation: (v) => Object.entries(v).every(([k, x]) => (k === 'form' || k === 'url') && isObject(x)),
    experimental: (v) => Object.values(v).every(isObject),
  };
  return Object.entries(capabilities).every(([k, v]) => isObject(v) && Object.hasOwn(known, k) && known[k]!(v));
}
