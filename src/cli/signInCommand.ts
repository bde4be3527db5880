import { execFile } from 'node:child_process';
import { DEFAULT_AUTHORITY } from '../core/config/config';
import { checkSignInRequest } from '../core/signin/localAgentSignIn';
import { allowedAuthority, formatResult, toJson } from './tokenCommand';
import { writeErr } from './terminal';
import { parse, positiveInteger, requireFlag, UsageError } from './usage';

export const signInHelp = `Usage: entra-agent-tokens sign-in --tenant T --client-id C --scope S [--redirect-port N] [--no-browser] [--json]
                                  [--authority URL] [--timeout MS]

Signs a user in to a local agent (preview): a public client, the authorization code flow with PKCE (S256) through a
loopback redirect. Prints the authorize URL on stderr and opens a browser (unless --no-browser), listens on
127.0.0.1 for the one redirect (state and nonce checked), redeems the code with no credential, and prints the
user's token as "token" does.

  --tenant T          the tenant (id or domain)
  --client-id C       the local agent's client id (a single-instance agent identity registered as a public client)
  --scope S           the delegated scopes to ask for, space-separated (openid, profile, offline_access are added)
  --redirect-port N   listen on this port (the redirect URI is http://127.0.0.1:N/); default: any free port
  --no-browser        print the URL only (open it yourself, on this machine)
  --authority URL     default ${DEFAULT_AUTHORITY}; http only for loopback (the sandbox)
  --allow-authority-host HOST  also accept this authority host (repeatable)
  --timeout MS        how long to wait for the browser (default 300000)
  --json              print one JSON object on stdout

Example (the sandbox's local agent):
  entra-agent-tokens sign-in --authority http://127.0.0.1:5179 --tenant sandbox.onmicrosoft.com \\
    --client-id 2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e --scope api://sandbox-weather/Forecast.Read`;

const options = {
  tenant: { type: 'string' },
  'client-id': { type: 'string' },
  scope: { type: 'string' },
  'redirect-port': { type: 'string' },
  'no-browser': { type: 'boolean' },
  authority: { type: 'string' },
  'allow-authority-host': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runSignIn(args: string[], signal: AbortSignal, out: (s: string) => void): Promise<void> {
  const { values } = parse('sign-in', args, options);
  if (values.help) return out(`${signInHelp}\n`);
  const port =
    values['redirect-port'] === undefined ? 0 : positiveInteger(values['redirect-port'], '--redirect-port', 0, 65535);
  const request = checkSignInRequest(
    {
      authority: allowedAuthority(values.authority ?? DEFAULT_AUTHORITY, values['allow-authority-host'] ?? []),
      tenant: requireFlag(values.tenant, '--tenant', 'the tenant (id or domain)'),
      clientId: requireFlag(values['client-id'], '--client-id', "the local agent's client id"),
      scope: requireFlag(values.scope, '--scope', 'the delegated scopes to ask for'),
      redirectPort: port,
    },
    {
      authority: '--authority',
      tenant: '--tenant',
      clientId: '--client-id',
      scope: '--scope',
      port: '--redirect-port',
    },
  );
  const timeoutMs = positiveInteger(values.timeout, '--timeout', 300_000, 3_600_000);
  const { signInLocalAgent } = await import('../core/signin/localAgentSignIn');
  const result = await signInLocalAgent(request, {
    signal,
    timeoutMs,
    onAuthorizeUrl: async (url) => {
      writeErr(`Sign in at:\n  ${url}\nWaiting for the browser to come back to this machine…\n`);
      if (!values['no-browser']) await openBrowser(url);
    },
  });
  out(values.json ? `${JSON.stringify(toJson(result))}\n` : formatResult(result));
}

/** The system's browser, without a shell: the URL is one argument of the opener. */
function openBrowser(url: string): Promise<void> {
  if (!/^https?:\/\/[^\s"'`]+$/.test(url)) throw new UsageError('The authorize URL is not one a browser should open.');
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error) => {
      if (error) writeErr('No browser could be opened: open the URL above yourself.\n');
      resolve();
    });
  });
}
