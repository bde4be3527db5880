// What the sidecar's faces share without loading its server: the API and request-record shapes, and one request as a
// log line (the CLI's output and the extension's log). Never a token: records hold ids, scopes and statuses only.

/** A downstream API as the sidecar knows it: a name the caller uses, and the scopes a token for it carries. */
export interface SidecarApi {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Only for the DownstreamApi routes: where its calls go. */
  readonly baseUrl?: string;
  readonly requestAppToken?: boolean;
}

/** One request, as the log and the extension's list show it: never a token. */
export interface SidecarRequestRecord {
  readonly at: Date;
  readonly route: string;
  readonly api: string;
  readonly agentId?: string;
  readonly agentUser?: string;
  readonly scope?: string;
  readonly status: number;
  readonly fromCache?: boolean;
  readonly ms: number;
  /** What the caller was told when it failed (the ProblemDetails' title and detail): never a token or a secret. */
  readonly problem?: { readonly title: string; readonly detail: string };
}

/**
 * One request as a log line; `safe` escapes text from outside (the CLI's terminalSafe; the extension's log redacts).
 * Without `time` when the log stamps its lines itself.
 */
export function requestLine(r: SidecarRequestRecord, safe: (text: string) => string = (t) => t, time = true): string {
  return [
    time ? `${r.at.toISOString()}  ` : '',
    `${r.status}`,
    `  ${safe(r.route)}${r.api ? ` ${safe(r.api)}` : ''}`,
    r.agentId ? `  agent ${safe(r.agentId)}` : '',
    r.agentUser ? `  user ${safe(r.agentUser)}` : '',
    r.scope ? `  ${safe(r.scope)}` : '',
    r.fromCache ? '  (cache)' : '',
    `  ${r.ms.toFixed(1)} ms`,
    r.problem ? `  ${safe(r.problem.title)}` : '',
  ].join('');
}
