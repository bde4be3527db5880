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

/**
 * One JSON-RPC message on stdout, for `mcp` only, where stdout is the protocol's (the SDK's stdio transport writes
 * the same way): JSON.stringify has escaped every control character, and terminal escaping would change the message.
 * What a message holds passed the tools' own last guard (guardedResult) before it was serialised.
 */
export function writeProtocolLine(json: string): void {
  process.stdout.write(`${json}\n`);
}
