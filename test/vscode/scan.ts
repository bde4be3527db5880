// Scans folders for secret markers: the leak checks of the in-VS-Code tiers (issue 7).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Every (file, marker) pair where the file holds the marker as UTF-8, UTF-16 (Chromium's and SQLite's text) or as
 * base64 of the marker on its own (base64 of a longer text holding it would not match). Files over 200 MB are not read.
 */
export function scanForMarkers(
  files: readonly string[],
  markers: Readonly<Record<string, string>>,
): { file: string; marker: string }[] {
  const needles = Object.entries(markers).map(([name, text]) => ({
    name,
    forms: [
      Buffer.from(text, 'utf8'),
      Buffer.from(text, 'utf16le'),
      Buffer.from(Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, ''), 'utf8'),
    ],
  }));
  const hits: { file: string; marker: string }[] = [];
  for (const file of files) {
    if (statSync(file).size > 200 * 1024 * 1024) continue;
    const bytes = readFileSync(file);
    for (const { name, forms } of needles) if (forms.some((f) => bytes.includes(f))) hits.push({ file, marker: name });
  }
  return hits;
}
