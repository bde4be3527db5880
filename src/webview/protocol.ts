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

export type HostToWebview =
  | { readonly type: 'show'; readonly view: InspectorView; readonly state: InspectorState }
  | { readonly type: 'signature'; readonly column: number; readonly signature: SignatureView }
  | { readonly type: 'empty'; readonly message: string }
  | { readonly type: 'copied'; readonly what: string };

export type CopyWhat = 'token' | 'bearer' | 'curl';

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'copy'; readonly what: CopyWhat; readonly url?: string }
  /** The user asked to check a column's signature at the host its 'ask' status named. */
  | { readonly type: 'verify'; readonly column: number };

/** What the webview persists across reloads: an identity, never a token. */
export interface InspectorState {
  readonly agentId?: string;
  readonly scope?: string;
  readonly subject?: string;
}
