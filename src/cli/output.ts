import { explainClaims } from '../core/claims';
import type { DecodedToken } from '../core/jwt';

/** Claims and header as readable lines: claim, value, and what it means. Values are printed as JSON text, never interpreted. */
export function formatToken(title: string, token: DecodedToken, nowMs = Date.now()): string {
  if (token.opaque) return `${title}\n  (not a decodable JWT: the token is opaque or encrypted)\n`;
  const lines = [title, `  header: ${oneLine(token.header)}`];
  const rows = explainClaims(token.claims, nowMs);
  const width = Math.min(18, Math.max(...rows.map((r) => r.name.length), 3));
  for (const row of rows) {
    const value = oneLine(row.value);
    lines.push(`  ${row.name.padEnd(width)}  ${value}`);
    const notes = [row.detail, row.meaning].filter(Boolean).join(' · ');
    if (notes) lines.push(`  ${''.padEnd(width)}    ${notes}`);
  }
  return `${lines.join('\n')}\n`;
}

function oneLine(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return escapeControl(text ?? String(value));
}

/** Text from a token or a server, made safe for a terminal: control characters (escape sequences) become \uXXXX. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
