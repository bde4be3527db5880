// What the sidecar's faces share without loading its server: the API and request-record shapes, and one request as a
// log line (the CLI's output and the extension's log). Never a token: records hold ids, scopes and statuses only.

/**
 * A downstream API as the container configures one (`DownstreamApis__NAME__*`, Microsoft.Identity.Abstractions'
 * DownstreamApiOptions): the name a caller uses (in exact case), the scopes a token for it carries, and for the
 * DownstreamApi routes where and how its calls go.
 */
export interface SidecarApi {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Only for the DownstreamApi routes: where its calls go. */
  readonly baseUrl?: string;
  readonly relativePath?: string;
  /** Default GET. */
  readonly httpMethod?: string;
  /** Default application/json. */
  readonly acceptHeader?: string;
  readonly contentType?: string;
  readonly extraHeaderParameters?: Readonly<Record<string, string>>;
  readonly extraQueryParameters?: Readonly<Record<string, string>>;
  /** An app token (the blueprint's, or with AgentIdentity the agent's own); otherwise a user's token. */
  readonly requestAppToken?: boolean;
  /**
   * A convenience of this sidecar the container does not have (graph, agenticblueprint, the sandbox's APIs): served
   * here, written into the exported configuration, and marked on each request it serves.
   */
  readonly builtIn?: boolean;
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
  /** What the caller gave that the route ignored, as the container ignores it with overrides off on that route. */
  readonly ignored?: readonly string[];
  /**
   * How the container on its own defaults would answer this request differently, and the key that makes it agree
   * (a built-in API it would not have; overrides honoured here and not there).
   */
  readonly container?: string;
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
    r.ignored?.length ? `  ignored ${r.ignored.map(safe).join(',')}` : '',
    r.container ? '  [the container would differ: see --json]' : '',
  ].join('');
}
