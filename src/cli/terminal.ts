import { redactTokens } from '../core/safety/redact';
import { mapStrings, withholdSent } from '../core/safety/sentValues';
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
 * One JSON-RPC message on stdout, for `mcp` only, where stdout is the protocol's: every message the server says passes
 * here (the front's answers and the SDK server's). Each string in it (keys included) loses every value this process
 * sent as a credential, in any spelling, and anything shaped like a JWT, whatever built it: a tool result, a
 * resource, a prompt, a progress notification, an elicitation request, an error. It is guarded as values, before it
 * is serialised, so no replacement can fall inside a JSON escape; the request id and a progress token are the
 * client's own and go back as they came. JSON.stringify escapes every control character; terminal escaping would
 * change the message.
 */
export function writeProtocolMessage(message: Readonly<Record<string, unknown>>): void {
  const guard = (text: string) => redactTokens(withholdSent(text));
  const out = mapStrings(message, guard) as Record<string, unknown>;
  if ('id' in message) out.id = message.id;
  const params = message.params as Record<string, unknown> | undefined;
  if (params && typeof params === 'object' && 'progressToken' in params)
    (out.params as Record<string, unknown>).progressToken = params.progressToken;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
