// Runs a real VS Code (code-server: VS Code's server + web workbench, Node extension host) and drives it with Debian's
// Chromium through playwright-core. The recipe is in shared/docs/vscode-testing.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const root = join(__dirname, '..', '..');
const versions = JSON.parse(readFileSync(join(__dirname, 'versions.json'), 'utf8')) as {
  node24: string;
  codeServer: string;
};
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs Node 24 and code-server under .vscode-test/ if needed (cached), and returns their paths. */
export function ensureCodeServer(): { node24Bin: string; codeServer: string } {
  const node24Bin = join(root, '.vscode-test', `node-${versions.node24}`, 'node_modules', 'node', 'bin');
  const codeServer = join(
    root,
    '.vscode-test',
    `code-server-${versions.codeServer}`,
    'node_modules',
    '.bin',
    'code-server',
  );
  if (!existsSync(join(node24Bin, 'node')) || !existsSync(codeServer)) {
    execFileSync('bash', [join(root, 'scripts', 'setup-code-server.sh')], { stdio: 'inherit' });
  }
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium), or set CHROMIUM_PATH.`,
    );
  return { node24Bin, codeServer };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** A folder of its own for this run: user data, extensions, config and the workspace go inside. */
  readonly dir: string;
  /** Needed for the payload route (in-host mocha). */
  readonly smokeTestDriver?: boolean;
  /** Keep workspace trust on, so the workspace opens untrusted (Restricted Mode). Default: trust off, all trusted. */
  readonly workspaceTrust?: boolean;
  readonly env?: Record<string, string>;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { node24Bin, codeServer } = ensureCodeServer();
  const userDataDir = join(options.dir, 'user-data');
  const extensionsDir = join(options.dir, 'extensions');
  const workspace = join(options.dir, 'workspace');
  const xdg = join(options.dir, 'xdg');
  for (const d of [userDataDir, extensionsDir, workspace, xdg]) mkdirSync(d, { recursive: true });
  // Quiet, predictable windows: no prompts about the repository this folder sits in, no chat panel, no start page.
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'git.openRepositoryInParentFolders': 'never',
        'workbench.startupEditor': 'none',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'workbench.tips.enabled': false,
      },
      null,
      2,
    ),
  );
  const port = await freePort();
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
  ];
  if (!options.workspaceTrust) args.push('--disable-workspace-trust');
  if (options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(workspace);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${node24Bin}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: xdg,
    XDG_DATA_HOME: xdg,
    ...options.env,
  };
  delete env.npm_config_user_agent;
  const child = spawn(codeServer, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d));
  child.stderr?.on('data', (d: Buffer) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      kill(child);
      throw new Error(`code-server did not answer /healthz within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, userDataDir, extensionsDir, log: () => log, stop: () => stopProcess(child) };
}

/** Installs a packaged extension into the server's extensions folder. */
export function installVsix(server: Pick<CodeServer, 'extensionsDir'>, vsix: string): void {
  const { node24Bin, codeServer } = ensureCodeServer();
  execFileSync(codeServer, ['--extensions-dir', server.extensionsDir, '--install-extension', vsix, '--force'], {
    env: { ...process.env, PATH: `${node24Bin}:${process.env.PATH ?? ''}` },
    stdio: 'pipe',
  });
}

function kill(child: ChildProcess): void {
  try {
    // The whole process group: code-server's extension host would otherwise outlive the test by hours.
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  kill(child);
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Headless Debian Chromium; every request off loopback is aborted (the machine has no network anyway). */
export async function launchBrowser(profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => undefined);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close() };
}
