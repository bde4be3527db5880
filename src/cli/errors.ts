import { EntraError } from '../core/errors/entraError';
import { legWords } from '../core/errors/errorReport';
import {
  CancelledError,
  ConfigError,
  CredentialError,
  GraphError,
  NetworkError,
  TokenDecodeError,
} from '../core/errors/errors';
import { terminalSafe } from '../core/safety/terminalText';
import { UsageError } from './usage';

/** `api`: `call` got a 4xx or 5xx answer from the API; `graph`: Microsoft Graph refused an `agents`/`agent-users` call. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  entra: 3,
  network: 4,
  api: 5,
  graph: 6,
  interrupted: 130,
} as const;

/**
 * One place that turns any failure into an exit code and a message for stderr. Never a stack trace, never a secret.
 * Every part may hold text from outside (a server's error fields, a file's contents, a URL): each is escaped.
 */
export function describeFailure(e: unknown): { code: number; message: string } {
  const t = terminalSafe;
  if (e instanceof UsageError) return { code: ExitCode.usage, message: `error: ${t(e.message)}` };
  if (e instanceof ConfigError)
    return { code: ExitCode.usage, message: `error: ${t(e.field)} ${t(e.problem)}\n  fix: ${t(e.fix)}` };
  if (e instanceof CredentialError || e instanceof TokenDecodeError)
    return { code: ExitCode.usage, message: `error: ${t(e.message)}` };
  if (e instanceof CancelledError) return { code: ExitCode.interrupted, message: 'Interrupted.' };
  if (e instanceof NetworkError) {
    const what = e.kind === 'timeout' ? 'timed out' : 'network failure';
    return {
      code: ExitCode.network,
      message: `error (${what}): ${t(e.message)}${e.url ? `\n  endpoint: ${t(e.url)}` : ''}`,
    };
  }
  if (e instanceof GraphError)
    return {
      code: ExitCode.graph,
      message: [
        `error: Microsoft Graph refused ${e.method} ${printable(e.path, 200)}: HTTP ${e.status} ${printable(e.code, 100)}`,
        `  Graph said: ${printable(e.graphMessage)}`,
        `  what it means: ${t(e.meaning)}`,
        `  fix: ${t(e.fix)}`,
        `  request-id: ${printable(e.requestId ?? '(none)', 100)}, client-request-id: ${printable(e.clientRequestId, 100)}`,
      ].join('\n'),
    };
  if (e instanceof EntraError) {
    const head = e.code !== undefined ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`;
    const lines = [
      `error: Entra refused the request: ${head}${e.error ? ` (${printable(e.error, 100)}, HTTP ${e.httpStatus})` : ''}`,
      `  what it means: ${t(e.explanation)}`,
      `  fix: ${t(e.fix)}`,
    ];
    if (e.where) lines.push(`  where: ${legWords(e.where.leg)}, POST ${printable(e.where.endpoint, 300)}`);
    if (e.description) lines.push(`  Entra said: ${printable(e.description.split(/ Trace ID:/)[0] ?? '')}`);
    if (e.traceId) lines.push(`  trace id: ${printable(e.traceId, 100)}`);
    if (e.correlationId) lines.push(`  correlation id: ${printable(e.correlationId, 100)}`);
    if (e.timestamp) lines.push(`  timestamp: ${printable(e.timestamp, 100)}`);
    if (e.retryAfterSeconds !== undefined) lines.push(`  retry after: ${e.retryAfterSeconds} s`);
    return { code: ExitCode.entra, message: lines.join('\n') };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: ExitCode.internal,
    message: `internal error: ${printable(message)}\n  This is a bug in entra-agent-tokens; please report it.`,
  };
}

/** Server text shown in a terminal: no control characters, bounded length (cut before escaping, so no escape is cut). */
function printable(text: string, max = 600): string {
  return terminalSafe(text.length > max ? `${text.slice(0, max)}…` : text);
}
