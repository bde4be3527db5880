import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line input: exit 2, naming the flag at fault. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs, with its errors turned into UsageErrors that name the flag and the command's help. */
export function parse<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    throw new UsageError(`${message} Run "entra-agent-tokens ${command} --help" for the options.`);
  }
}

export function requireFlag(value: string | undefined, flag: string, what: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required: ${what}.`);
  return value;
}

export function positiveInteger(
  value: string | undefined,
  flag: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value.slice(0, 40)}".`);
  }
  return Number(value);
}

export const mainHelp = `entra-agent-tokens: get and inspect Microsoft Entra Agent ID tokens

Usage:
  entra-agent-tokens token   --tenant T --blueprint B --agent A [--scope S] CREDENTIAL [--json]
  entra-agent-tokens call    URL [--method M] [--header "Name: value"]... [--data TEXT|@FILE] TOKEN-OPTIONS [--json]
  entra-agent-tokens sign-in --tenant T --client-id C --scope S [--redirect-port N] [--no-browser] [--json]
  entra-agent-tokens agents  list|create|delete --tenant T --blueprint B CREDENTIAL [--graph-endpoint URL] [--json]
  entra-agent-tokens agent-users create --agent A --upn UPN --tenant T --blueprint B CREDENTIAL [--json]
  entra-agent-tokens decode  [TOKEN|-] [--json]
  entra-agent-tokens sandbox [--port N] [--directory FILE] [--tls-cert F --tls-key F] [--json]
  entra-agent-tokens sidecar --tenant T --blueprint B CREDENTIAL [--port N] [--api NAME=SCOPES]... [--json]
  entra-agent-tokens mcp     --tenant T --blueprint B CREDENTIAL [--allow-api-host RESOURCE=HOST]...  (MCP, stdio)
  entra-agent-tokens --version | --help

Run "entra-agent-tokens <command> --help" for a command's options.

Exit codes: 0 success, 2 usage or input error, 3 Entra error, 4 network failure or timeout, 5 the API answered
4xx/5xx (call), 6 Microsoft Graph refused (agents, agent-users), 130 interrupted.`;
