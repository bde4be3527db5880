import { explainClaims } from '../core/tokens/claims';
import { decodeToken } from '../core/tokens/jwt';
import { formatToken } from './output';
import { parse, UsageError } from './usage';

export const decodeHelp = `Usage: entra-agent-tokens decode [TOKEN|-] [--json]

Decodes a JWT (no signature check) and explains its claims, including agent-specific ones.
TOKEN may be given as an argument, or read from standard input when it is "-" or left out.

  --json   print {"header":{...},"claims":{...},"explanations":[...]} on stdout`;

const options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export async function runDecode(
  args: string[],
  readStdin: () => Promise<string>,
  out: (s: string) => void,
): Promise<void> {
  const { values, positionals } = parse('decode', args, options, true);
  if (values.help) return out(`${decodeHelp}\n`);
  if (positionals.length > 1) throw new UsageError('decode takes one token. Run "entra-agent-tokens decode --help".');
  const arg = positionals[0];
  const text = arg === undefined || arg === '-' ? await readStdin() : arg;
  const token = decodeToken(text);
  if (values.json) {
    const explanations = explainClaims(token.claims).map(({ name, meaning, detail }) => ({
      name,
      ...(meaning ? { meaning } : {}),
      ...(detail ? { detail } : {}),
    }));
    out(`${JSON.stringify({ header: token.header, claims: token.claims, explanations })}\n`);
  } else {
    out(formatToken('Token (signature not verified)', token));
  }
}
