// `npm start`: the extension in a real VS Code, with the sandbox tenant running in it.
// VS Code desktop when `code` is on PATH; otherwise code-server (installed under .vscode-test/ on first use) on
// 127.0.0.1, with the packaged extension installed. Stop with Ctrl+C.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, ENTRA_AGENT_TOKENS_SANDBOX: 'autostart' };
delete env.npm_config_user_agent;

const hasCode =
  !process.env.ENTRA_AGENT_TOKENS_USE_CODE_SERVER && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  console.log('Opening VS Code with the extension under development; the sandbox tenant starts when its view opens.');
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, root], { env, stdio: 'inherit' });
} else {
  const versions = JSON.parse(readFileSync(join(root, 'test/vscode/versions.json'), 'utf8'));
  execFileSync('bash', [join(root, 'scripts/setup-code-server.sh')], { stdio: 'inherit' });
  const node24 = join(root, '.vscode-test', `node-${versions.node24}`, 'node_modules', 'node', 'bin');
  const codeServer = join(
    root,
    '.vscode-test',
    `code-server-${versions.codeServer}`,
    'node_modules',
    '.bin',
    'code-server',
  );
  const dir = join(root, '.vscode-test', 'start');
  const dirs = {
    userData: join(dir, 'user-data'),
    extensions: join(dir, 'extensions'),
    workspace: join(dir, 'workspace'),
    xdg: join(dir, 'xdg'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    // The welcome page on start: it offers the walkthrough "Get started with Entra Agent Tokens".
    JSON.stringify({ 'git.openRepositoryInParentFolders': 'never', 'workbench.startupEditor': 'welcomePage' }, null, 2),
  );
  const vsix = join(root, 'out', 'entra-agent-tokens.vsix');
  mkdirSync(dirname(vsix), { recursive: true });
  execFileSync('npm', ['run', '--silent', 'package', '--', '--out', vsix], { cwd: root, stdio: 'ignore' });
  const csEnv = { ...env, PATH: `${node24}:${process.env.PATH}`, XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: dirs.xdg };
  execFileSync(codeServer, ['--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'], {
    env: csEnv,
    stdio: 'ignore',
  });
  const port = Number(process.env.PORT) || (await freePort());
  const child = spawn(
    codeServer,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      dirs.workspace,
    ],
    { env: csEnv, stdio: 'ignore' },
  );
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  console.log(
    `\nVS Code (code-server) is running with Entra Agent Tokens installed:\n\n    http://127.0.0.1:${port}/\n`,
  );
  console.log('Open it in a browser and click the shield icon in the activity bar: the sandbox tenant starts there,');
  console.log(
    'with its blueprint and two agent identities. Hover an agent identity and click the key to get its token.',
  );
  console.log('Press Ctrl+C to stop.');
  child.on('exit', (code) => process.exit(code ?? 0));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
