// Log redaction on hostile text (issue: "eyJeyJeyJ…" made it quadratic). Times redactTokens on the unbounded text,
// so the pattern's own growth shows; the log seam (logLine) also bounds each line to 8 KB first. Figures only.
// Standalone: node --import tsx bench/redaction.ts
import { randomBytes } from 'node:crypto';
import { logLine, redactTokens } from '../src/core/safety/redact';
import { forgetSent, rememberSent, withholdSent } from '../src/core/safety/sentValues';

const SIZES = [10 * 1024, 100 * 1024, 1024 * 1024];
const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const token = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4IiwiaXNzIjoieSJ9.c2lnbmF0dXJlLXBhcnQ';
const SHAPES: Record<string, string> = {
  'eyJ repeated': 'eyJ',
  'eyJ + long segment, no dot': `eyJ${'a'.repeat(4096)} `,
  'two-part near-tokens': '.eyJaaaa.bbbb',
  'log text with real tokens': `leg blueprint: POST https://login.microsoftonline.com/t/oauth2/v2.0/token → 400 assertion ${token} `,
};

function time(f: () => void, runs: number): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Rows for the bench table: [benchmark, median ms, -, ratio, -]. The ratio is ns per character: flat means linear. */
export function redactionRows(rows: string[][], quick: boolean): void {
  const runs = quick ? 3 : 9;
  for (const [name, unit] of Object.entries(SHAPES)) {
    const perChar: number[] = [];
    for (const size of SIZES) {
      const text = fill(unit, size);
      const ms = time(() => redactTokens(text), runs);
      perChar.push((ms * 1e6) / size);
      rows.push([
        `redaction: ${name}, ${size / 1024} KB`,
        ms.toFixed(2),
        '',
        `${((ms * 1e6) / size).toFixed(1)} ns/char`,
        '',
      ]);
    }
    rows.push([
      `redaction: ${name}, growth 10 KB → 1 MiB`,
      '',
      '',
      `${(perChar[2]! / perChar[0]!).toFixed(2)}× per char (1.00 = linear)`,
      '',
    ]);
  }
  const mib = fill('eyJ', 1024 * 1024);
  rows.push([
    'redaction: log seam (bound + redact), 1 MiB eyJ…',
    time(() => logLine(mib), runs).toFixed(2),
    '',
    'bounded to 8 KB',
    '',
  ]);
  guardRows(rows, runs);
}

/**
 * The writers' last guard (sentValues.ts) with a full memory: 256 values sent (half of them JWT-sized), on a log
 * line, an agent tool's 16 KB body, and 1 MiB of plain text, of escapes and of non-ASCII text (canonical form).
 */
function guardRows(rows: string[][], runs: number): void {
  forgetSent();
  for (let i = 0; i < 256; i++)
    rememberSent(
      i % 2
        ? `eyJhbGciOiJSUzI1NiJ9.${randomBytes(600).toString('base64url')}.${randomBytes(256).toString('base64url')}`
        : randomBytes(30).toString('base64url'),
    );
  const texts: Record<string, string> = {
    'a 120-character log line': fill('Getting a token for agent identity Research Agent, scope api://x/.default ', 120),
    'an 8 KB log line': fill('leg agent: POST https://login.microsoftonline.com/t/oauth2/v2.0/token → 200 ', 8192),
    "a tool's 16 KB body": fill('{"forecast":"Sunny","t":21}', 16 * 1024),
    '1 MiB plain': fill('y', 1 << 20),
    '1 MiB of escapes (\\u, %, &#)': fill('\\u0041%41&#65;', 1 << 20),
    '1 MiB non-ASCII': fill('é中', 1 << 20),
  };
  // Warm: the first call builds the memory's index, and the JIT settles.
  for (let i = 0; i < 20; i++) for (const text of Object.values(texts)) withholdSent(text.slice(0, 16 * 1024));
  for (const [name, text] of Object.entries(texts)) {
    const ms = time(() => withholdSent(text), runs);
    rows.push([
      `last guard, 256 values remembered: ${name}`,
      ms.toFixed(3),
      '',
      `${((ms * 1e6) / text.length).toFixed(1)} ns/char`,
      '',
    ]);
  }
  // Tokens of one issuer share their first hundreds of characters: 256 such, and a text that repeats that prefix
  // (an attacker's review measured 1.8 s per MiB when needles were indexed by their first characters).
  forgetSent();
  const prefix = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${'eyJhdWQiOiJhcGk6Ly94IiwiaXNzIjoi'.repeat(8)}`;
  for (let i = 0; i < 256; i++)
    rememberSent(`${prefix}${randomBytes(200).toString('base64url')}.${randomBytes(256).toString('base64url')}`);
  const repeated = fill(`${prefix} `, 1 << 20);
  withholdSent(repeated.slice(0, 1024));
  const ms = time(() => withholdSent(repeated), runs);
  rows.push([
    'last guard: 256 tokens sharing a long prefix, 1 MiB repeating it',
    ms.toFixed(3),
    '',
    `${((ms * 1e6) / repeated.length).toFixed(1)} ns/char`,
    '',
  ]);
  forgetSent();
}

if (require.main === module) {
  const rows: string[][] = [];
  redactionRows(rows, process.argv.includes('--quick'));
  for (const r of rows) console.log(`${r[0]!.padEnd(58)} ${r[1]!.padStart(8)} ms  ${r[3]}`);
}
