// What the fast front (fastStart.ts) answers before the SDK loads, as the server itself answered it at build time
// (server.ts frontListings; esbuild.js writes dist/mcp-listings.json). Types only: the front imports nothing of the SDK.

/** One mode's answers: initialize's result (its protocolVersion negotiated per client) and the three lists. */
export interface ModeListings {
  readonly initialize: {
    readonly protocolVersion: string;
    readonly capabilities: Record<string, unknown>;
    readonly serverInfo: Record<string, unknown>;
    readonly instructions?: string;
  };
  readonly 'tools/list': unknown;
  readonly 'prompts/list': unknown;
  readonly 'resources/templates/list': unknown;
}

export interface FrontListings {
  /** The SDK's SUPPORTED_PROTOCOL_VERSIONS: a client's version is answered as asked when it is one of these. */
  readonly protocolVersions: readonly string[];
  readonly latestProtocolVersion: string;
  readonly full: ModeListings;
  readonly readOnly: ModeListings;
}

export const LISTINGS_FILE = 'mcp-listings.json';

/**
 * The id the replayed `initialize` carries: no client's (the SDK's answer to it is dropped by that id), and not one a
 * client could guess (a client's own request with it would otherwise go unanswered).
 */
export function replayedInitializeId(): string {
  return `entra-agent-tokens/front-initialize/${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}

/** What the front hands the SDK's server: the lines so far, the ones to come, stdout, and the end of stdin. */
export interface FrontSession {
  /** The lines the server must read first: the replayed initialize, the initialized notification, what waited. */
  readonly pending: string[];
  onLine(deliver: (line: string) => void): void;
  write(message: Readonly<Record<string, unknown>>): void;
  readonly closed: Promise<void>;
  /** The replayed initialize's id: its answer is not the client's. */
  readonly replayId: string;
  /** Ends the session (the replayed initialize was refused: the client's capabilities are unknown). */
  end(): void;
}
