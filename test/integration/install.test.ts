// The CLI installs anywhere (README, "Install"): `npm pack` of this repository gives a tarball with the CLI's bundles
// only (every package bundled in them), which installs into an empty prefix without the registry and runs from any
// folder, its MCP server included, spoken to by the MCP SDK's own client. The .vsix is tested by the journeys.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { SandboxTenant } from '../../src/sandbox/server';
import { root, sandboxAgentArgs, sandboxBlueprintArgs } from '../cliRunner';
import { AGENT, SECRET, startSandbox } from '../helpers';

describe('the CLI as a package: npm pack, install into an empty prefix, run from another folder', function () {
  this.timeout(120_000);
  let work: string;
  let tarball: string;
  let bin: string;
  let sandbox: SandboxTenant;
  const npm = (args: string[], cwd: string) =>
    execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'eat-install-'));
    const pkg = join(work, 'pkg');
    mkdirSync(pkg);
    // What `npm pack` in the repository does (its prepack is the production build), without touching dist/ here.
    execFileSync(process.execPath, [join(root, 'esbuild.js'), '--production'], {
      cwd: root,
      env: { ...process.env, EAT_DIST: join(pkg, 'dist') },
    });
    for (const f of ['package.json', 'README.md', 'LICENSE', '.npmignore']) copyFileSync(join(root, f), join(pkg, f));
    tarball = join(work, npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], pkg).trim());
    const prefix = join(work, 'prefix');
    npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], work);
    bin = join(prefix, 'bin', 'entra-agent-tokens');
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the CLI bundles, a manifest that needs no package, and nothing else', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(
      listed.filter(
        (f) => !/^package\/(dist\/[a-z-]+\.js|dist\/mcp-listings\.json|package\.json|README\.md|LICENSE)$/.test(f),
      ),
      [],
      "only bundles, the MCP front's listings and the three files npm always adds",
    );
    for (const needed of ['cli', 'shared', 'guard', 'engine', 'api', 'mcp', 'sandbox', 'sidecar'])
      assert.ok(listed.includes(`package/dist/${needed}.js`), needed);
    assert.ok(listed.includes('package/dist/mcp-listings.json'), 'the MCP front answers from it');
    assert.ok(!listed.includes('package/dist/extension.js'), "the extension's bundle is the .vsix's");
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: object;
      bin: Record<string, string>;
    };
    assert.equal(manifest.dependencies, undefined, 'installing it fetches nothing: every package is bundled');
    assert.deepEqual(manifest.bin, { 'entra-agent-tokens': './dist/cli.js' });
  });

  it('runs from any folder: --version, and a token from the sandbox', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'eat-elsewhere-'));
    assert.deepEqual(readdirSync(elsewhere), []);
    const version = execFileSync(bin, ['--version'], { cwd: elsewhere, encoding: 'utf8' }).trim();
    assert.equal(
      version,
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
    // Not execFileSync: the sandbox answers from this process's event loop.
    const { stdout: out } = await promisify(execFile)(
      bin,
      ['token', ...sandboxAgentArgs(sandbox.authority), ...['--client-secret-env', 'S', '--json']],
      { cwd: elsewhere, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', S: SECRET } },
    );
    assert.equal((JSON.parse(out) as { claims: { appid?: string } }).claims.appid, AGENT);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('serves MCP from any folder to the SDK client: tools listed, a token described', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'eat-elsewhere-'));
    const transport = new StdioClientTransport({
      command: bin,
      args: ['mcp', ...sandboxBlueprintArgs(sandbox.authority), ...['--client-secret-env', 'S']],
      cwd: elsewhere,
      env: { PATH: process.env.PATH ?? '', S: SECRET },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'install-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'get_agent_token'));
      const got = await client.callTool({ name: 'get_agent_token', arguments: { agent: AGENT } });
      assert.ok(!got.isError, JSON.stringify(got));
      assert.equal((got.structuredContent as { agent: string }).agent, AGENT);
    } finally {
      await client.close();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
