// Runs phases of the in-host mocha suites (test/extension/index.ts picks the phase) in a real VS Code (code-server)
// driven by headless Chromium, and collects their outcomes. Used by the in-VS-Code tests and the tree benchmark.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, root, startCodeServer } from './codeServer';

export const OUT = join(root, 'out', 'test', 'extension');
const RUN_TIMEOUT_MS = 6 * 60_000;

export interface Outcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

/**
 * Starts code-server in dir (with `workspace` preparing its workspace folder), runs the in-host test phases (the workbench runs them one after
 * another and then exits), and collects their outcomes.
 */
export async function runInVsCode(
  dir: string,
  phases: string[],
  options: { workspace?: (dir: string) => void; workspaceTrust?: boolean; env?: Record<string, string> },
): Promise<{ outcomes: Outcome[]; userDataDir: string; extensionsDir: string }> {
  const server = await startCodeServer({
    dir,
    smokeTestDriver: true,
    ...(options.workspaceTrust ? { workspaceTrust: true } : {}),
  });
  mkdirSync(join(dir, 'workspace'), { recursive: true });
  options.workspace?.(join(dir, 'workspace'));
  const browser = await launchBrowser(join(dir, 'chromium'));
  const outcomes: Outcome[] = [];
  const page = browser.page;
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const env = { EAT_TEST_RESULTS_DIR: dir, EAT_FIXTURES: join(root, 'test', 'fixtures'), ...options.env };
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(join(OUT, 'index.js'))],
    ['extensionEnvironment', JSON.stringify(env)],
  ];
  const started = Date.now();
  try {
    const exited = new Promise<number>(
      (resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)),
    );
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(join(dir, 'workspace'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      exited,
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), RUN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    for (const phase of phases) {
      const results = join(dir, `results-${phase}.json`);
      if (!existsSync(results)) {
        console.log(
          `\nIn-VS-Code tests, ${phase} phase: no results (exit ${code}${code === -1 ? ', timed out' : ''}).`,
        );
        outcomes.push({ title: `${phase} phase ran`, state: 'failed' });
        continue;
      }
      const { outcomes: phaseOutcomes } = JSON.parse(readFileSync(results, 'utf8')) as { outcomes: Outcome[] };
      console.log(`\nIn-VS-Code tests, ${phase} phase:`);
      for (const o of phaseOutcomes) {
        console.log(`  ${o.state === 'passed' ? '✔' : o.state === 'failed' ? '✘' : '-'} ${o.title}`);
        if (o.error) console.log(`      ${o.error.split('\n').slice(0, 8).join('\n      ')}`);
      }
      outcomes.push(...phaseOutcomes);
    }
    console.log(
      `\n${phases.join(' and ')} took ${((Date.now() - started) / 1000).toFixed(1)} s; the workbench exited with ${code}.`,
    );
    if (code !== 0 && outcomes.every((o) => o.state !== 'failed'))
      outcomes.push({
        title: `workbench exit code (${phases.join(', ')})`,
        state: 'failed',
        error: `exit ${code}\n${server.log().slice(-2000)}`,
      });
  } finally {
    await browser.close();
    await server.stop();
  }
  return { outcomes, userDataDir: server.userDataDir, extensionsDir: server.extensionsDir };
}
