import { EntraError } from './entraError';
import type { Remedy } from './errorCatalog';
import { ConfigError, CredentialError, GraphError, isCancelled, NetworkError, TokenDecodeError } from './errors';

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
      /** Where the fix is made, when one place is. */
      readonly remedy?: Remedy;
      /** For a support ticket (Entra and network errors): code, meaning, ids, time, endpoint. No secret, no token. */
      readonly details?: string;
    }
  | { readonly kind: 'unexpected'; readonly summary: string; readonly logLine: string };

export type ExplainedCategory = 'entra' | 'config' | 'credential' | 'token' | 'network' | 'graph';

export function reportOf(e: unknown): ErrorReport {
  if (isCancelled(e)) return { kind: 'cancelled', summary: 'Cancelled.', logLine: 'cancelled.' };
  if (e instanceof EntraError) {
    const code = e.code !== undefined ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`;
    const remedy = e.remedy;
    return {
      kind: 'explained',
      category: 'entra',
      summary: `${code}: ${e.explanation} ${e.fix}`,
      logLine: `${code} ${e.error ?? ''} (HTTP ${e.httpStatus}). ${e.description ?? ''} trace id ${e.traceId ?? '-'}, correlation id ${e.correlationId ?? '-'}, timestamp ${e.timestamp ?? '-'}`,
      ...(remedy ? { remedy } : {}),
      details: detailLines([
        ['Error', `${code}${e.error ? ` (${e.error})` : ''}, HTTP ${e.httpStatus}`],
        ['Meaning', e.explanation],
        ['Fix', e.fix],
        ['Entra said', e.description?.split(/ Trace ID:/)[0]],
        ['Trace ID', e.traceId],
        ['Correlation ID', e.correlationId],
        ['Timestamp', e.timestamp],
        [
          'Endpoint',
          e.where ? `POST ${e.where.endpoint} (${legWords(e.where.leg)}), answered HTTP ${e.httpStatus}` : undefined,
        ],
        ['Retry after', e.retryAfterSeconds !== undefined ? `${e.retryAfterSeconds} s` : undefined],
      ]),
    };
  }
  if (e instanceof GraphError)
    return {
      kind: 'explained',
      category: 'graph',
      summary: `Microsoft Graph: ${e.code}. ${e.meaning} ${e.fix}`,
      logLine: e.message,
      ...(e.status === 429 || e.status >= 500 ? { remedy: 'retry' as const } : {}),
      details: detailLines([
        ['Error', `${e.code}, HTTP ${e.status}`],
        ['Graph said', e.graphMessage],
        ['Meaning', e.meaning],
        ['Fix', e.fix],
        ['Call', `${e.method} ${e.path}`],
        ['request-id', e.requestId],
        ['client-request-id', e.clientRequestId],
        ['Time', new Date().toISOString()],
      ]),
    };
  if (e instanceof ConfigError) {
    // The one configuration error a setting fixes: an authority outside the allow-list.
    const remedy: Remedy | undefined = e.field === 'Authority' && /allowed/.test(e.problem) ? 'settings' : undefined;
    return {
      kind: 'explained',
      category: 'config',
      summary: `${e.field} ${e.problem} ${e.fix}`,
      logLine: e.message,
      ...(remedy ? { remedy } : {}),
    };
  }
  if (e instanceof CredentialError)
    return { kind: 'explained', category: 'credential', summary: e.message, logLine: e.message, remedy: 'credential' };
  if (e instanceof TokenDecodeError)
    return { kind: 'explained', category: 'token', summary: e.message, logLine: e.message };
  if (e instanceof NetworkError)
    return {
      kind: 'explained',
      category: 'network',
      summary: e.message,
      logLine: `${e.message} (${e.kind}, ${e.url})`,
      remedy: 'retry',
      details: detailLines([
        ['Error', `network (${e.kind})`],
        ['Meaning', e.message],
        ['Endpoint', e.url],
        ['Time', new Date().toISOString()],
      ]),
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    kind: 'unexpected',
    summary: `Something went wrong: ${err.message}`,
    logLine: `failed: ${err.message}${err.stack ? `\n${err.stack}` : ''}`,
  };
}

/** A leg by what it does, as every face names it: in the details, the CLI, the inspector. */
const LEG_WORDS: Readonly<Record<string, string>> = {
  blueprint: 'leg 1: the blueprint asks for T1',
  agent: "leg 2: the agent identity's request, T1 as its assertion",
  'agent-user': "leg 3: the agent user's request",
};

export function legWords(leg: string): string {
  return Object.hasOwn(LEG_WORDS, leg) ? LEG_WORDS[leg]! : leg;
}

function detailLines(rows: readonly (readonly [string, string | undefined])[]): string {
  return rows
    .filter((r): r is readonly [string, string] => !!r[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}
