// Entry point the workbench loads in the extension host (extensionTestsPath). Runs the bundled mocha suites in two
// phases: "main", then, after a real window reload (workbench.action.reloadWindow, which flushes the workbench's
// state as a user's reload does), "reload". Each phase writes its results to EAT_TEST_RESULTS_DIR (console output is
// lost in the browser); the workbench reports the exit code once the reload phase ends.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

interface Outcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export async function run(): Promise<void> {
  const dir = process.env.EAT_TEST_RESULTS_DIR;
  if (!dir) throw new Error('EAT_TEST_RESULTS_DIR is not set');
  const named = process.env.EAT_PHASE;
  const phase =
    named === 'restricted' || named === 'bench'
      ? named
      : existsSync(join(dir, 'results-main.json'))
        ? 'reload'
        : 'main';
  const failures = await runPhase(phase, join(dir, `results-${phase}.json`));
  if (phase === 'main' && failures === 0) {
    // eslint-disable-next-line no-restricted-syntax -- a workbench command, not ours
    await vscode.commands.executeCommand('workbench.action.reloadWindow');
    await new Promise(() => undefined); // this window is going away
  }
  if (failures > 0) throw new Error(`${failures} test(s) failed in the ${phase} phase`);
}

function runPhase(phase: string, resultsFile: string): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha is loaded from the project's node_modules at run time
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'dot' });
  mocha.suite.emit('pre-require', globalThis, `suites-${phase}`, mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(__dirname, `suites-${phase}.js`));
  const outcomes: Outcome[] = [];
  return new Promise((resolve) => {
    const runner = mocha.run((failures) => {
      writeFileSync(resultsFile, JSON.stringify({ phase, outcomes }, null, 2));
      resolve(failures);
    });
    runner.on('pass', (t) => outcomes.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('fail', (t, err: Error) =>
      outcomes.push({ title: t.fullTitle(), state: 'failed', error: `${err.message}\n${err.stack ?? ''}` }),
    );
    runner.on('pending', (t) => outcomes.push({ title: t.fullTitle(), state: 'pending' }));
  });
}
