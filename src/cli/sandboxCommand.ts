import { readFileSync } from 'node:fs';
import { posixQuote } from '../core/safety/shellQuote';
import { terminalSafe } from '../core/safety/terminalText';
import { parse, positiveInteger, UsageError } from './usage';

export const sandboxHelp = `Usage: entra-agent-tokens sandbox [--port N] [--directory FILE] [--tls-cert F --tls-key F] [--latency MS]
                                  [--json | --env]

Starts the sandbox tenant, a local stand-in for Entra's token endpoint, on 127.0.0.1 until interrupted (Ctrl+C).

  --port N          port to listen on; 0 (default) picks a free one
  --directory FILE  JSON directory of tenants, blueprints and agent identities (default: one tenant, one
                    blueprint with a fresh client secret, two agent identities)
  --tls-cert F      serve HTTPS with this PEM certificate...
  --tls-key F       ...and this PEM private key
  --latency MS      wait MS milliseconds before answering each request, like a distant tenant (default 0)
  --json            print the sandbox's details as one JSON line first (authority, tenant, blueprints, secrets)
  --env             print them as export lines for a POSIX shell first: SANDBOX_AUTHORITY, SANDBOX_TENANT,
                    SANDBOX_BLUEPRINT, SANDBOX_AGENT and SANDBOX_SECRET (the sandbox's own, made at this start).
                    For example: entra-agent-tokens sandbox --env > sandbox.env &  then  . ./sandbox.env`;

const options = {
  port: { type: 'string' },
  directory: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  latency: { type: 'string' },
  json: { type: 'boolean' },
  env: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runSandbox(args: string[], out: (s: string) => void, stopped: Promise<void>): Promise<void> {
  const { values } = parse('sandbox', args, options);
  if (values.help) return out(`${sandboxHelp}\n`);
  if (values.json && values.env) throw new UsageError('--json and --env: choose one.');
  const port = positiveInteger(values.port, '--port', 0, 65535, 0);
  const latencyMs = positiveInteger(values.latency, '--latency', 0, 60_000, 0);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
    throw new UsageError('--tls-cert and --tls-key go together.');
  const tls = values['tls-cert']
    ? { cert: readOrFail(values['tls-cert'], '--tls-cert'), key: readOrFail(values['tls-key'] as string, '--tls-key') }
    : undefined;
  const { SandboxTenant } = await import('../sandbox/server');
  const { loadDirectoryFile, DirectoryError } = await import('../sandbox/directory');
  let sandbox: Awaited<ReturnType<typeof SandboxTenant.start>>;
  try {
    const directory = values.directory ? loadDirectoryFile(values.directory) : undefined;
    sandbox = await SandboxTenant.start({
      port,
      latencyMs,
      ...(directory ? { directory } : {}),
      ...(tls ? { tls } : {}),
    });
  } catch (e) {
    if (e instanceof DirectoryError) throw new UsageError(`--directory: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`--port: port ${port} is already in use. Pick another, or 0 for any free port.`);
    if (code === 'ERR_OSSL_PEM_NO_START_LINE' || /key|cert/i.test(code ?? ''))
      throw new UsageError('--tls-cert/--tls-key: the certificate or key cannot be used for TLS.');
    throw e;
  }
  const info = sandbox.info;
  if (values.json) {
    out(`${JSON.stringify(info)}\n`);
  } else if (values.env) {
    const first = info.blueprints[0];
    const vars: [string, string | undefined][] = [
      ['SANDBOX_AUTHORITY', info.authority],
      ['SANDBOX_TENANT', info.tenantId],
      ['SANDBOX_BLUEPRINT', first?.clientId],
      ['SANDBOX_AGENT', first?.agents[0]?.clientId],
      ['SANDBOX_SECRET', first?.clientSecret],
    ];
    out(
      vars
        .filter((v): v is [string, string] => v[1] !== undefined)
        .map(([k, v]) => `export ${k}=${posixQuote(v)}\n`)
        .join(''),
    );
  } else {
    const first = info.blueprints[0];
    const lines = [
      `Sandbox tenant listening at ${info.authority} (tenant ${info.tenantId}). Press Ctrl+C to stop.`,
      '',
    ];
    for (const b of info.blueprints) {
      lines.push(
        `  blueprint ${terminalSafe(b.clientId)}  ${terminalSafe(b.displayName)}${b.clientSecret ? '  (client secret: see --json)' : ''}`,
      );
      for (const a of b.agents) lines.push(`    agent   ${terminalSafe(a.clientId)}  ${terminalSafe(a.displayName)}`);
    }
    if (first?.agents[0]) {
      lines.push('', "Try, with the blueprint's secret in SANDBOX_SECRET (export lines for a shell: --env):");
      lines.push(
        `  entra-agent-tokens token --authority ${info.authority} --tenant ${info.tenantId} --blueprint ${first.clientId} --agent ${first.agents[0].clientId} --client-secret-env SANDBOX_SECRET`,
      );
    }
    out(`${lines.join('\n')}\n`);
  }
  await stopped;
  await sandbox.stop();
}

function readOrFail(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
}
