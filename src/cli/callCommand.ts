import { methodOf, parseHeaderLine } from '../core/api/apiRequest';
import { isLoopbackHost } from '../core/config/config';
import { readFailure, readRegularFile } from '../core/safety/boundedFile';
import { terminalSafe, terminalSafeLines } from '../core/safety/terminalText';
import { ExitCode } from './errors';
import { writeErr } from './terminal';
import { acquireWithFlags, tokenOptions, tokenRequestFromFlags, withOptionalValue } from './tokenCommand';
import { parse, UsageError } from './usage';

export const callHelp = `Usage: entra-agent-tokens call URL [--method M] [--header "Name: value"]... [--data TEXT | --data @FILE]
                               TOKEN-OPTIONS [--allow-api-host HOST]... [--json]

Gets the agent's token (the options of "token") and calls URL with it. Prints the answer's body on stdout; for a
status of 400 or more, the status line and why the API refused (cause, evidence, fix) on stderr, and exits 5.

  --method M             default GET, or POST with --data
  --header "Name: v"     an extra request header (repeatable); the Authorization header is the token's
  --data TEXT | @FILE    the request body (a file up to 1 MiB)
  --scope S              default: inferred from the URL (Microsoft Graph, the sandbox's APIs); required otherwise
  --allow-api-host HOST  also send the token for --scope to HOST (repeatable). Otherwise a token goes only to its
                         resource's own hosts, over https (http only to loopback). Tokens for Microsoft Graph, the
                         sandbox's APIs and the exchange (api://AzureADTokenExchange) never go elsewhere
  --json                 {"status","headers","body","durationMs","token":{aud,azp,roles,scp,tid,exp},"explanation"}

Exit codes: 0 for a 2xx or 3xx answer, 5 for 4xx or 5xx; 2, 3 and 4 as for "token".`;

const options = {
  ...tokenOptions,
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  data: { type: 'string' },
  'allow-api-host': { type: 'string', multiple: true },
} as const;

export async function runCall(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parse('call', withOptionalValue(args, '--managed-identity'), options, true);
  if (values.help) {
    out(`${callHelp}\n`);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) throw new UsageError('call takes one URL. Run "entra-agent-tokens call --help".');
  const url = positionals[0]!;
  const headers = (values.header ?? []).map(parseHeader);
  const typed = values.method ?? (values.data !== undefined ? 'POST' : 'GET');
  const method = methodOf(typed);
  if (!method) throw new UsageError(`--method: "${terminalSafe(typed.slice(0, 20))}" is not an HTTP method.`);
  const body = values.data === undefined ? undefined : await readData(values.data);
  const allowHosts = (values['allow-api-host'] ?? []).map((h) => {
    if (!/^[a-z0-9.-]{1,253}(:\d{1,5})?$/i.test(h.trim()))
      throw new UsageError(`--allow-api-host takes a host name, such as api.contoso.com, not "${h.slice(0, 60)}".`);
    return h.trim();
  });

  // A loopback authority is the sandbox: its APIs are at its own origin.
  const sandboxOrigin =
    values.authority && isLoopbackOrigin(values.authority) ? new URL(values.authority).origin : undefined;
  const context = { ...(sandboxOrigin ? { sandboxOrigin } : {}) };
  const { scopeForUrl, tokenDestination, urlInMessage } = await import('../core/api/apiHosts');
  const inferred = values.scope ?? scopeForUrl(url, context);
  if (!inferred)
    throw new UsageError(
      `--scope is required for ${terminalSafe(urlInMessage(url))}: say which resource the token is for (such as api://contoso-jobs/.default).`,
    );
  const { request, host, timeoutMs } = tokenRequestFromFlags(values, env, inferred);
  // The host rule, before the token exists: a mistyped or pasted URL gets nothing.
  const verdict = tokenDestination(url, request.scope, { ...context, userHosts: { [request.scope]: allowHosts } });
  if (!verdict.send) throw new UsageError(`${verdict.reason} ${verdict.fix}`);

  const result = await acquireWithFlags(request, host, timeoutMs, signal);
  const { callWithToken } = await import('../core/api/apiCall');
  const claims = result.token.claims;
  // The answer, and for ≥ 400 why (with the API's RFC 9728 document), the token scrubbed from all of it.
  const {
    response,
    diagnosis: explanation,
    metadata,
  } = await callWithToken(
    { url, method, headers, ...(body !== undefined ? { body } : {}), timeoutMs, signal },
    { accessToken: result.accessToken, claims },
  );
  if (values.json) {
    out(
      `${JSON.stringify({
        status: response.status,
        headers: response.headers,
        body: response.body,
        ...(response.truncated ? { truncated: true } : {}),
        durationMs: response.durationMs,
        token: {
          aud: claims.aud,
          azp: claims.azp ?? claims.appid,
          roles: claims.roles,
          scp: claims.scp,
          tid: claims.tid,
          exp: claims.exp,
        },
        ...(explanation ? { explanation: { summary: explanation.summary, causes: explanation.causes } } : {}),
        ...(metadata ? { resourceMetadata: metadata } : {}),
      })}\n`,
    );
  } else {
    // The body as the API sent it, and a line end after it (a shell prompt must not follow on its last line).
    out(terminalSafeLines(response.body.endsWith('\n') || response.body === '' ? response.body : `${response.body}\n`));
    if (response.truncated) writeErr('(the body was cut at 1 MiB)\n');
    if (explanation) {
      // The status line, then each cause once (the summary is the first cause again: it stands alone elsewhere).
      const lines = [`HTTP ${response.status} ${response.statusText} in ${response.durationMs} ms`];
      for (const c of explanation.causes)
        lines.push(`- ${c.cause}`, `    evidence: ${c.evidence}`, `    fix: ${c.fix}`);
      if (metadata)
        lines.push(
          `The API's metadata: resource ${metadata.resource ?? '(not given)'}, scopes ${metadata.scopes.join(' ') || '(none listed)'}.${metadata.scopes[0] && metadata.scopes[0] !== request.scope ? ` Retry with --scope ${metadata.scopes[0]}.` : ''}`,
        );
      writeErr(`${lines.map((l) => terminalSafe(l)).join('\n')}\n`);
    }
  }
  return response.status >= 400 ? ExitCode.api : ExitCode.ok;
}

function parseHeader(value: string): readonly [string, string] {
  const parsed = parseHeaderLine(value);
  if ('problem' in parsed) throw new UsageError(`--header: ${parsed.problem}`);
  return parsed.header;
}

async function readData(value: string): Promise<string | Uint8Array> {
  if (!value.startsWith('@')) return value;
  try {
    return await readRegularFile(value.slice(1), 1 << 20);
  } catch (e) {
    throw new UsageError(`--data ${value.slice(0, 200)}: ${readFailure(e)}`);
  }
}

function isLoopbackOrigin(authority: string): boolean {
  try {
    return isLoopbackHost(new URL(authority).hostname);
  } catch {
    return false;
  }
}
