import { readFileSync } from 'node:fs';
import { cliFieldNames, DEFAULT_AUTHORITY, DEFAULT_SCOPE } from '../core/config';
import type { AgentTokenResult, AutonomousTokenRequest } from '../core/agentTokens';
import type { BlueprintCredential } from '../core/credentials';
import { formatToken } from './output';
import { parse, positiveInteger, requireFlag, UsageError } from './usage';

export const tokenHelp = `Usage: entra-agent-tokens token --tenant T --blueprint B --agent A [--scope S] [--authority URL] CREDENTIAL [--json] [--timeout MS]

Gets an agent token in two legs: the blueprint's T1 (with fmi_path = the agent), then the agent identity's token.

  --tenant T                   the agent identity's home tenant: id (GUID) or domain
  --blueprint B                the agent identity blueprint's client id
  --agent A                    the agent identity's client id
  --scope S                    resource scope ending in /.default (default ${DEFAULT_SCOPE})
  --authority URL              default ${DEFAULT_AUTHORITY}; http only for loopback (the sandbox)
  --json                       print one JSON object on stdout
  --timeout MS                 per-request timeout in milliseconds (default 30000)

CREDENTIAL, exactly one of (a secret is never accepted on the command line):
  --client-secret-env VAR      read the blueprint's client secret from environment variable VAR
  --certificate FILE.pem       PEM holding the certificate and its private key
    [--certificate-password-env VAR]  the key's passphrase, from environment variable VAR
    [--assertion-alg PS256|RS256]     PS256 with x5t#S256 (default), or RS256 with x5t for older setups

Example:
  export BLUEPRINT_SECRET=...   # the secret value
  entra-agent-tokens token --tenant contoso.onmicrosoft.com --blueprint <guid> --agent <guid> --client-secret-env BLUEPRINT_SECRET`;

const options = {
  tenant: { type: 'string' },
  blueprint: { type: 'string' },
  agent: { type: 'string' },
  scope: { type: 'string' },
  authority: { type: 'string' },
  'client-secret-env': { type: 'string' },
  'client-secret': { type: 'string' },
  certificate: { type: 'string' },
  'certificate-password-env': { type: 'string' },
  'assertion-alg': { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runToken(args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, out: (s: string) => void): Promise<void> {
  const { values } = parse('token', args, options);
  if (values.help) return out(`${tokenHelp}\n`);
  if (values['client-secret'] !== undefined) {
    throw new UsageError('--client-secret is not accepted: a secret on the command line ends up in shell history and process lists. Put it in an environment variable and pass --client-secret-env VAR.');
  }
  const tenant = requireFlag(values.tenant, '--tenant', "the agent identity's home tenant (id or domain)");
  const blueprint = requireFlag(values.blueprint, '--blueprint', "the blueprint's client id");
  const agent = requireFlag(values.agent, '--agent', "the agent identity's client id");
  const timeoutMs = positiveInteger(values.timeout, '--timeout', 30_000, 600_000);

  // Validate everything cheap before loading the HTTP stack.
  const { validateAutonomousRequest } = await import('../core/agentTokens');
  const request: AutonomousTokenRequest = validateAutonomousRequest(
    {
      tenant,
      blueprintId: blueprint,
      agentId: agent,
      scope: values.scope ?? DEFAULT_SCOPE,
      authority: values.authority ?? DEFAULT_AUTHORITY,
      credential: await readCredential(values, env),
    },
    cliFieldNames,
  );

  const { AgentTokenEngine } = await import('../core/agentTokens');
  const engine = new AgentTokenEngine({ timeoutMs });
  try {
    const result = await engine.getAutonomousToken(request, { signal });
    out(values.json ? `${JSON.stringify(toJson(result))}\n` : formatResult(result));
  } finally {
    await engine.close();
  }
}

async function readCredential(values: { 'client-secret-env'?: string; certificate?: string; 'certificate-password-env'?: string; 'assertion-alg'?: string }, env: NodeJS.ProcessEnv): Promise<BlueprintCredential> {
  const secretVar = values['client-secret-env'];
  const certFile = values.certificate;
  if ((secretVar === undefined) === (certFile === undefined)) {
    throw new UsageError('Give exactly one credential: --client-secret-env VAR (the secret in environment variable VAR) or --certificate FILE.pem.');
  }
  if (certFile === undefined && (values['certificate-password-env'] !== undefined || values['assertion-alg'] !== undefined)) {
    throw new UsageError('--certificate-password-env and --assertion-alg go with --certificate.');
  }
  const { clientSecret, loadPemCertificate, certificateCredential } = await import('../core/credentials');
  if (secretVar !== undefined) {
    const secret = env[secretVar];
    if (!secret) throw new UsageError(`--client-secret-env: environment variable ${secretVar} is not set or is empty. Set it to the blueprint's client secret value.`);
    return clientSecret(secret);
  }
  let pem: string;
  try {
    pem = readFileSync(certFile as string, 'utf8');
  } catch (e) {
    throw new UsageError(`--certificate: cannot read ${certFile} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
  const passVar = values['certificate-password-env'];
  const passphrase = passVar === undefined ? undefined : env[passVar];
  if (passVar !== undefined && !passphrase) throw new UsageError(`--certificate-password-env: environment variable ${passVar} is not set or is empty.`);
  const alg = values['assertion-alg'] ?? 'PS256';
  if (alg !== 'PS256' && alg !== 'RS256') throw new UsageError(`--assertion-alg must be PS256 or RS256, not "${alg.slice(0, 20)}".`);
  try {
    return certificateCredential(loadPemCertificate(pem, passphrase), alg);
  } catch (e) {
    throw new UsageError(`--certificate: ${(e as Error).message}`);
  }
}

/** The --json contract: exactly these fields. */
export function toJson(result: AgentTokenResult) {
  return {
    flow: result.flow,
    accessToken: result.accessToken,
    expiresOn: result.expiresOn.toISOString(),
    claims: result.token.claims,
    legs: result.legs.map((l) => ({ name: l.name, status: l.status, durationMs: l.durationMs, claims: l.token.claims })),
  };
}

function formatResult(result: AgentTokenResult): string {
  const [t1Leg, agentLeg] = result.legs;
  const lines = [
    `Agent token acquired (${result.flow} flow), expires ${result.expiresOn.toISOString()}.`,
    '',
    ...result.legs.map((l, i) => `  leg ${i + 1} ${l.name.padEnd(9)} POST ${l.url} → ${l.status} in ${l.durationMs} ms  [${Object.entries(l.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}]`),
    '',
    formatToken(`T1: the blueprint's token for the agent identity (leg 1)`, t1Leg!.token),
    formatToken('Final token: the agent identity\'s access token (leg 2)', agentLeg!.token),
    'Access token:',
    result.accessToken,
    '',
  ];
  return lines.join('\n');
}
