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
  /** The leg was sent and refused: the error's code and name (`AADSTS7000215 invalid_client`). */
  readonly refused?: string;
}

/** A button the host offers in the view (a fix, Retry): the webview sends back its number, never a command. */
export interface ActionView {
  readonly label: string;
  readonly action: number;
}

/** Why an exchange failed: one cause / evidence / fix block, the same as the notification's details and the CLI. */
export interface FailureView {
  readonly cause: string;
  readonly evidence?: string;
  readonly fix?: string;
  /** What Entra said, as text. */
  readonly said?: string;
  /** The sandbox gave this error on purpose (Simulate an Entra Error…): says so, and that it happens once. */
  readonly simulated?: string;
  readonly actions: readonly ActionView[];
}

export interface InspectorView {
  readonly title: string;
  readonly subtitle: string;
  /** A sentence on the shape of the exchange (a single-instance agent's: why there is no T1). Text only. */
  readonly note?: string;
  readonly columns: readonly TokenColumn[];
  readonly rows: readonly ClaimRow[];
  readonly legs: readonly LegView[];
  /** Index of the column whose token the copy buttons copy. */
  readonly primary: number;
  readonly defaultCurlUrl: string;
  /** An agent's exchange: the request editor (Call API), with the request to start from and the agents to call as. */
  readonly editor?: { readonly draft: RequestDraft; readonly agents: readonly AgentChoice[] };
  /** The last call made from this view, or the one under way. */
  readonly call?: CallView;
}

/** The request editor's fields, as the user typed them. */
export interface RequestDraft {
  readonly agentId: string;
  readonly method: string;
  readonly url: string;
  /** One `Name: value` per line. */
  readonly headers: string;
  readonly body: string;
  /** A scope to use instead of the one inferred from the URL (the API's metadata offered it). */
  readonly scope?: string;
}

export interface AgentChoice {
  readonly id: string;
  readonly name: string;
}

export interface CauseView {
  readonly cause: string;
  readonly evidence: string;
  readonly fix: string;
  /** The fix as one click (Grant <role>…), where the user may make it. */
  readonly action?: ActionView;
}

/** A call of an API with the agent's token: the request, then (once answered) the response and, for ≥ 400, why. */
export interface CallView {
  readonly method: string;
  readonly url: string;
  readonly agentName: string;
  readonly scope: string;
  /** Under way: no response yet. */
  readonly pending?: boolean;
  /** It never got an answer (connection, timeout): what happened. */
  readonly error?: string;
  readonly status?: number;
  readonly statusText?: string;
  readonly durationMs?: number;
  readonly headers?: readonly (readonly [string, string])[];
  /** The body as text (JSON pretty-printed), at most 1 MiB of it. */
  readonly body?: string;
  readonly bodyKind?: 'json' | 'text' | 'empty';
  readonly truncated?: boolean;
  readonly explanation?: { readonly summary: string; readonly causes: readonly CauseView[] };
  /** The API's RFC 9728 document: its resource and scopes, and a scope to retry with if it differs. */
  readonly metadata?: { readonly resource?: string; readonly scopes: readonly string[]; readonly retryScope?: string };
}

/** While an exchange runs: the legs so far, and how many there will be. */
export interface ProgressView {
  readonly title: string;
  readonly subtitle: string;
  readonly legs: readonly LegView[];
  readonly totalLegs: number;
  readonly state: 'running' | 'failed' | 'cancelled';
  /** For failed: what went wrong (one line, no secret). */
  readonly message?: string;
  /** For failed, when the error is explained: cause, evidence, fix and its buttons. */
  readonly failure?: FailureView;
  /** The call that waits for the token, if any. */
  readonly call?: { readonly method: string; readonly url: string };
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
  | { readonly type: 'verify'; readonly id: number; readonly column: number }
  /** Send the request editor's request with the chosen agent's token. */
  | { readonly type: 'call'; readonly id: number; readonly draft: RequestDraft }
  /** One of the buttons the host offered (ActionView.action). */
  | { readonly type: 'act'; readonly id: number; readonly action: number };

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
  | { readonly type: 'progress'; readonly progress: ProgressView }
  /** The call section alone (under way, then answered): the token cards and their signature checks stay. */
  | { readonly type: 'call'; readonly call: CallView }
  | WebviewResponse;

/** Bounds of a request from the editor, checked on both sides. */
export const DRAFT_LIMITS = { url: 4096, headers: 16 * 1024, body: 1 << 20, agentId: 200, scope: 1000 } as const;

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
  if (r.type === 'act' && Number.isSafeInteger(r.action) && (r.action as number) >= 0 && (r.action as number) < 64)
    return { type: 'act', id, action: r.action as number };
  if (r.type === 'call') {
    const draft = parseDraft(r.draft);
    return draft ? { type: 'call', id, draft } : undefined;
  }
  return undefined;
}

function parseDraft(d: unknown): RequestDraft | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const r = d as Record<string, unknown>;
  const str = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;
  if (
    !str(r.agentId, DRAFT_LIMITS.agentId) ||
    typeof r.method !== 'string' ||
    !/^[A-Za-z]{1,16}$/.test(r.method) ||
    !str(r.url, DRAFT_LIMITS.url) ||
    !str(r.headers, DRAFT_LIMITS.headers) ||
    !str(r.body, DRAFT_LIMITS.body) ||
    (r.scope !== undefined && !str(r.scope, DRAFT_LIMITS.scope))
  )
    return undefined;
  return {
    agentId: r.agentId as string,
    method: r.method.toUpperCase(),
    url: r.url as string,
    headers: r.headers as string,
    body: r.body as string,
    ...(typeof r.scope === 'string' && r.scope ? { scope: r.scope } : {}),
  };
}

/** What the webview persists across reloads: an identity, never a token. */
export interface InspectorState {
  readonly agentId?: string;
  readonly scope?: string;
  readonly subject?: string;
}
