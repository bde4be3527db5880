import { EntraError } from './entraError';
import { ConfigError, CredentialError, isCancelled, NetworkError, TokenDecodeError } from './errors';

/**
 * What a face (a command, a webview message, a sidecar request, a language-model tool) does with an error it caught:
 * a cancel is quiet; an Entra, configuration, credential, token or network error is explained in one sentence with
 * its fix; anything else is a bug, logged in full and shown once. Every text here is built from our errors' fields,
 * which never hold a secret (an Entra error body is scrubbed of every value we sent before it becomes an EntraError).
 */
export type ErrorReport =
  | { readonly kind: 'cancelled'; readonly summary: string; readonly logLine: string }
  | {
      readonly kind: 'explained';
      readonly category: ExplainedCategory;
      readonly summary: string;
      readonly logLine: string;
    }
  | { readonly kind: 'unexpected'; readonly summary: string; readonly logLine: string };

export type ExplainedCategory = 'entra' | 'config' | 'credential' | 'token' | 'network';

export function reportOf(e: unknown): ErrorReport {
  if (isCancelled(e)) return { kind: 'cancelled', summary: 'Cancelled.', logLine: 'cancelled.' };
  if (e instanceof EntraError) {
    const code = e.code !== undefined ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`;
    return {
      kind: 'explained',
      category: 'entra',
      summary: `${code}: ${e.explanation} ${e.fix}`,
      logLine: `${code} ${e.error ?? ''} (HTTP ${e.httpStatus}). ${e.description ?? ''} trace id ${e.traceId ?? '-'}, correlation id ${e.correlationId ?? '-'}, timestamp ${e.timestamp ?? '-'}`,
    };
  }
  if (e instanceof ConfigError)
    return { kind: 'explained', category: 'config', summary: `${e.field} ${e.problem} ${e.fix}`, logLine: e.message };
  if (e instanceof CredentialError)
    return { kind: 'explained', category: 'credential', summary: e.message, logLine: e.message };
  if (e instanceof TokenDecodeError)
    return { kind: 'explained', category: 'token', summary: e.message, logLine: e.message };
  if (e instanceof NetworkError)
    return {
      kind: 'explained',
      category: 'network',
      summary: e.message,
      logLine: `${e.message} (${e.kind}, ${e.url})`,
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    kind: 'unexpected',
    summary: `Something went wrong: ${err.message}`,
    logLine: `failed: ${err.message}${err.stack ? `\n${err.stack}` : ''}`,
  };
}
