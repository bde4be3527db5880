import { describeFailure, ExitCode } from './cli/errors';
import { writeErr, writeOut } from './cli/terminal';
import { mainHelp, UsageError } from './cli/usage';

declare const __VERSION__: string;

/** The command-line face of the core: token, decode, sandbox. Modules behind a command load only when it runs. */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const out = writeOut;
  const interrupted = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      interrupted.abort();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  switch (command) {
    case '--version':
    case '-v':
      out(`${__VERSION__}\n`);
      return ExitCode.ok;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      out(`${mainHelp}\n`);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    case 'token':
      liftoffOnly();
      await (await import('./cli/tokenCommand')).runToken(args, process.env, interrupted.signal, out);
      return ExitCode.ok;
    case 'call':
      liftoffOnly();
      return (await import('./cli/callCommand')).runCall(args, process.env, interrupted.signal, out);
    case 'agents':
      liftoffOnly();
      return (await import('./cli/agentsCommand')).runAgents(args, process.env, interrupted.signal, out);
    case 'agent-users':
      liftoffOnly();
      return (await import('./cli/agentsCommand')).runAgentUsers(args, process.env, interrupted.signal, out);
    case 'sign-in':
      await (await import('./cli/signInCommand')).runSignIn(args, interrupted.signal, out);
      return ExitCode.ok;
    case 'decode':
      await (await import('./cli/decodeCommand')).runDecode(args, readStdin, out);
      return ExitCode.ok;
    case 'sandbox':
      await (await import('./cli/sandboxCommand')).runSandbox(args, out, stopped);
      return ExitCode.ok;
    case 'sidecar':
      await (await import('./cli/sidecarCommand')).runSidecar(args, process.env, out, stopped);
      return ExitCode.ok;
    case 'mcp':
      await (await import('./cli/mcpCommand')).runMcp(args, process.env, out, stopped);
      return ExitCode.ok;
    default:
      throw new UsageError(
        `Unknown command "${command.slice(0, 40)}". Commands: token, call, sign-in, agents, agent-users, decode, sandbox, sidecar, mcp. Run "entra-agent-tokens --help".`,
      );
  }
}

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 starts it on its baseline compiler (Liftoff), then, as
 * the parser runs hot, recompiles it with TurboFan on a background thread, and a process that exits waits for that
 * job: measured on this machine, a one-exchange `token` process took 240 ms with tier-up and 150 ms without. A CLI
 * process lives for two requests, so it never gains from the optimised code. Set before the first WebAssembly
 * module is compiled; the extension host, which lives long, keeps V8's defaults.
 */
function liftoffOnly(): void {
  try {
    process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');
  } catch {
    // A runtime without the flag only loses the speed-up.
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('decode: give a token as an argument, or pipe one on standard input.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Listeners for SIGINT keep nothing alive, but a finished command should not wait for anything else.
    if (code !== ExitCode.ok || !['sandbox', 'sidecar'].includes(process.argv[2] ?? ''))
      setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    const { code, message } = describeFailure(e);
    writeErr(`${message}\n`);
    process.exit(code);
  },
);
