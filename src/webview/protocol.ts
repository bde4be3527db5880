// The messages between the extension host and the token inspector webview, imported by both sides.
// Every value that came from a token is already a string here: the webview renders it with textContent, never as HTML.
// Raw tokens never cross into the webview; copying is done by the host.

export type SignatureView =
  | { readonly status: 'pending' }
  | { readonly status: 'verified'; readonly kid: string; readonly jwksUri: string }
  | { readonly status: 'failed'; readonly reason: string; readonly jwksUri?: string }
  | { readonly status: 'not-verifiable'; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string }
  /** The issuer is at a host the user allowed, not Entra's: the keys are fetched only if the user asks (verify). */
  | { readonly status: 'ask'; readonly host: string; readonly reason: string };

export interface ClaimRow {
  readonly name: string;
  /** One value per token shown (one or two columns); null where the token lacks the claim (JSON has no undefined). */
  readonly values: readonly (string | null)[];
  readonly meaning?: string;
  /** Readings of the values (dates, facet names), per column. */
  readonly details: readonly (string | null)[];
  readonly differs: boolean;
}

export interface TokenColumn {
  readonly heading: string;
  readonly header: string;
  /** `exp` in seconds, for the live countdown. */
  readonly exp?: number;
  readonly warnings: readonly string[];
  readonly signature: SignatureView;
}

export interface LegView {
  readonly name: string;
  readonly from: string;
  readonly host: string;
  readonly status: number;
  readonly durationMs: number;
  readonly cached: boolean;
  readonly parameters: readonly (readonly [string, string])[];
}

export interface InspectorView {
  readonly title: string;
  readonly subtitle: string;
  readonly columns: readonly TokenColumn[];
  readonly rows: readonly ClaimRow[];
  readonly legs: readonly LegView[];
  /** Index of the column whose token the copy buttons copy. */
  readonly primary: number;
  readonly defaultCurlUrl: string;
}

/** What the copy buttons copy, in the order they are shown, with the words for the button and for the announcement. */
export const COPY_KINDS = {
  token: { button: 'Copy token', done: 'Token copied.' },
  bearer: { button: 'Copy Authorization header', done: 'Authorization header copied.' },
  curl: { button: 'Copy curl (bash, zsh)', done: 'curl command copied.' },
} as const;

export type CopyWhat = keyof typeof COPY_KINDS;

/** What the webview asks of the host and waits for: each carries an id, and the host answers it with a `response`. */
export type WebviewRequest =
  | { readonly type: 'copy'; readonly id: number; readonly what: CopyWhat; readonly url?: string }
  /** The user asked to check a column's signature at the host its 'ask' status named. */
  | { readonly type: 'verify'; readonly id: number; readonly column: number };

export type WebviewToHost = { readonly type: 'ready' } | WebviewRequest;

/** The host's answer to one request: done, refused (the user can fix it; `message` says how), or failed. */
export interface WebviewResponse {
  readonly type: 'response';
  readonly id: number;
  readonly outcome: 'done' | 'refused' | 'failed';
  readonly message: string;
}

export type HostToWebview =
  | { readonly type: 'show'; readonly view: InspectorView; readonly state: InspectorState }
  | { readonly type: 'signature'; readonly column: number; readonly signature: SignatureView }
  | { readonly type: 'empty'; readonly message: string }
  | WebviewResponse;

/**
 * A message from the webview, checked: the webview shows text from tokens, so the host trusts nothing it sends
 * beyond these shapes. Anything else is undefined (and ignored).
 */
export function parseWebviewMessage(m: unknown): WebviewToHost | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const r = m as Record<string, unknown>;
  if (r.type === 'ready') return { type: 'ready' };
  if (!Number.isSafeInteger(r.id)) return undefined;
  const id = r.id as number;
  if (r.type === 'copy' && typeof r.what === 'string' && Object.hasOwn(COPY_KINDS, r.what)) {
    if (r.url !== undefined && typeof r.url !== 'string') return undefined;
    return { type: 'copy', id, what: r.what as CopyWhat, ...(typeof r.url === 'string' ? { url: r.url } : {}) };
  }
  if (r.type === 'verify' && Number.isSafeInteger(r.column) && (r.column as number) >= 0)
    return { type: 'verify', id, column: r.column as number };
  return undefined;
}

/** What the webview persists across reloads: an identity, never a token. */
export interface InspectorState {
  readonly agentId?: string;
  readonly scope?: string;
  readonly subject?: string;
}
