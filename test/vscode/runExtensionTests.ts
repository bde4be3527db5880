// Runs the mocha suites of test/extension inside the extension host of a real VS Code (code-server), twice: the main
// phase, then a "reload" phase in a fresh window against the same user data (definitions must survive it).
// Usage: node --import tsx test/vscode/runExtensionTests.ts
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { launchBrowser, root, startCodeServer } from './codeServer';

const OUT = join(root, 'out', 'test', 'extension');
const RUN_DIR = join(root, '.vscode-test', 'runs', 'extension-tests');
const RUN_TIMEOUT_MS = 6 * 60_000;

interface Outcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

async function main(): Promise<number> {
  // The extension and the in-host test bundles, built the same way npm run build does.
  execFileSync(process.execPath, [join(root, 'esbuild.js'), '--tests'], { cwd: root, stdio: 'inherit' });
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const server = await startCodeServer({ dir: RUN_DIR, smokeTestDriver: true });
  const browser = await launchBrowser(join(RUN_DIR, 'chromium'));
  const all: Outcome[] = [];
  const page = browser.page;
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const env = { EAT_TEST_RESULTS_DIR: RUN_DIR, EAT_FIXTURES: join(root, 'test', 'fixtures') };
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(join(OUT, 'index.js'))],
    ['extensionEnvironment', JSON.stringify(env)],
  ];
  const started = Date.now();
  try {
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(join(RUN_DIR, 'workspace'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([exited, new Promise<number>((resolve) => setTimeout(() => resolve(-1), RUN_TIMEOUT_MS))]);
    for (const phase of ['main', 'reload']) {
      const results = join(RUN_DIR, `results-${phase}.json`);
      if (!existsSync(results)) {
        console.log(`\nIn-VS-Code tests, ${phase} phase: no results (exit ${code}${code === -1 ? ', timed out' : ''}).`);
        all.push({ title: `${phase} phase ran`, state: 'failed' });
        continue;
      }
      const { outcomes } = JSON.parse(readFileSync(results, 'utf8')) as { outcomes: Outcome[] };
      console.log(`\nIn-VS-Code tests, ${phase} phase:`);
      for (const o of outcomes) {
        console.log(`  ${o.state === 'passed' ? '✔' : o.state === 'failed' ? '✘' : '-'} ${o.title}`);
        if (o.error) console.log(`      ${o.error.split('\n').slice(0, 8).join('\n      ')}`);
      }
      all.push(...outcomes);
    }
    console.log(`\nBoth phases took ${((Date.now() - started) / 1000).toFixed(1)} s; the workbench exited with ${code}.`);
    if (code !== 0 && all.every((o) => o.state !== 'failed')) all.push({ title: 'workbench exit code', state: 'failed', error: `exit ${code}\n${server.log().slice(-2000)}` });
  } finally {
    await browser.close();
    await server.stop();
  }
  const passed = all.filter((o) => o.state === 'passed').length;
  const failed = all.filter((o) => o.state === 'failed').length;
  const skipped = all.filter((o) => o.state === 'pending').length;
  console.log(`\nvscode: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`In-VS-Code tests could not run: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
