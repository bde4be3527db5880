// Log redaction on hostile text (issue: "eyJeyJeyJ…" made it quadratic). Times redactTokens on the unbounded text,
// so the pattern's own growth shows; the log seam (logLine) also bounds each line to 8 KB first. Figures only.
// Standalone: node --import tsx bench/redaction.ts
import { logLine, redactTokens } from '../src/core/redact';

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
}

if (require.main === module) {
  const rows: string[][] = [];
  redactionRows(rows, process.argv.includes('--quick'));
  for (const r of rows) console.log(`${r[0]!.padEnd(58)} ${r[1]!.padStart(8)} ms  ${r[3]}`);
}
