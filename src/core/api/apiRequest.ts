// A request to an API as a person types it (the CLI's --header/--method, the inspector's request editor): checked
// here, pure, so that every face refuses the same things with the same words, before any token exists.

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

export type HeaderParse = { readonly header: readonly [string, string] } | { readonly problem: string };

/** One `Name: value` line. An Authorization header is refused: the agent's token is the request's only credential. */
export function parseHeaderLine(line: string): HeaderParse {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  const value = colon > 0 ? line.slice(colon + 1).replace(/^[ \t]+/, '') : '';
  if (!TOKEN_CHARS.test(name) || /[\r\n\0]/.test(value))
    return {
      problem: `"${line.slice(0, 60)}" is not a header: write "Name: value" on one line, such as "Accept: application/json".`,
    };
  if (name.toLowerCase() === 'authorization')
    return { problem: "An Authorization header is not accepted: the agent's token is the request's only credential." };
  if (['host', 'content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase()))
    return { problem: `The ${name} header is set by the connection itself; leave it out.` };
  return { header: [name, value] };
}

/** Headers one per line (blank lines skipped); the first bad line's problem, naming its line. */
export function parseHeaderLines(
  text: string,
): { readonly headers: readonly (readonly [string, string])[] } | { readonly problem: string } {
  const headers: (readonly [string, string])[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const parsed = parseHeaderLine(line);
    if ('problem' in parsed) return { problem: `Headers, line ${i + 1}: ${parsed.problem}` };
    headers.push(parsed.header);
  }
  return { headers };
}

/** An HTTP method as typed: letters only, upper-cased; undefined when it is not one. */
export function methodOf(text: string): string | undefined {
  const m = text.trim().toUpperCase();
  return /^[A-Z]{1,16}$/.test(m) ? m : undefined;
}

/**
 * A response body for display: JSON pretty-printed (when it says it is JSON, or simply parses as an object or array),
 * anything else as the text it is. Never interpreted beyond that: the caller renders it as text.
 */
export function displayBody(
  body: string,
  contentType = '',
): { readonly text: string; readonly kind: 'json' | 'text' | 'empty' } {
  if (!body) return { text: '', kind: 'empty' };
  const looksJson = /[/+]json\b/i.test(contentType) || /^\s*[[{]/.test(body);
  if (looksJson) {
    try {
      return { text: JSON.stringify(JSON.parse(body), null, 2), kind: 'json' };
    } catch {
      // Not JSON after all (or cut at the cap): shown as it came.
    }
  }
  return { text: body, kind: 'text' };
}
