import { redactTokens } from '../core/safety/redact';
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
 * One JSON-RPC message on stdout, for `mcp` only, where stdout is the protocol's: every line the server says passes
 * here (the front's answers and the SDK server's), and loses every value this process sent as a credential (in any
 * spelling) and anything shaped like a JWT, whatever built it: a tool result, a resource, a prompt, a progress
 * notification, an elicitation request, an error. The placeholders are JSON-safe; JSON.stringify has escaped every
 * control character, and terminal escaping would change the message.
 */
export function writeProtocolLine(json: string): void {
  process.stdout.write(`${redactTokens(withholdSent(json))}\n`);
}
