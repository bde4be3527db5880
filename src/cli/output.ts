import { explainClaims } from '../core/tokens/claims';
import type { DecodedToken } from '../core/tokens/jwt';
import { terminalSafe } from '../core/safety/terminalText';

/**
 * Claims and header as readable lines: claim, value, and what it means. Everything here came from a token, names and
 * notes as much as values: each field is escaped for the terminal, and values are printed as JSON text, never
 * interpreted.
 */
export function formatToken(title: string, token: DecodedToken, nowMs = Date.now()): string {
  if (token.opaque) return `${title}\n  (not a decodable JWT: the token is opaque or encrypted)\n`;
  const lines = [title, `  header: ${oneLine(token.header)}`];
  const rows = explainClaims(token.claims, nowMs).map((r) => ({
    name: terminalSafe(r.name),
    value: oneLine(r.value),
    notes: terminalSafe([r.detail, r.meaning].filter(Boolean).join(' · ')),
  }));
  const width = Math.min(18, Math.max(...rows.map((r) => r.name.length), 3));
  for (const row of rows) {
    lines.push(`  ${row.name.padEnd(width)}  ${row.value}`);
    if (row.notes) lines.push(`  ${''.padEnd(width)}    ${row.notes}`);
  }
  return `${lines.join('\n')}\n`;
}

function oneLine(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return terminalSafe(text ?? String(value));
}
