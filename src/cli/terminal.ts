import { terminalSafeLines } from '../core/terminalText';

// The CLI's only writers. Fields from outside are escaped where they are formatted (terminalSafe); this is the last
// line of defence behind that, for every output mode: whatever reaches the terminal holds no control or bidi
// character but the line feeds we put there.

export function writeOut(text: string): void {
  process.stdout.write(terminalSafeLines(text));
}

export function writeErr(text: string): void {
  process.stderr.write(terminalSafeLines(text));
}
