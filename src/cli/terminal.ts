import { withholdSent } from '../core/safety/sentValues';
import { terminalSafeLines } from '../core/safety/terminalText';

// The CLI's only writers. Fields from outside are escaped where they are formatted (terminalSafe); this is the last
// line of defence behind that, for every output mode: whatever reaches the terminal holds no value this process sent
// as a credential (in any spelling: sentValues.ts), and no control or bidi character but the line feeds we put there.

export function writeOut(text: string): void {
  process.stdout.write(terminalSafeLines(withholdSent(text)));
}

export function writeErr(text: string): void {
  process.stderr.write(terminalSafeLines(withholdSent(text)));
}
