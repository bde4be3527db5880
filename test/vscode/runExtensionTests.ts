// Runs the mocha suites of test/extension inside the extension host of a real VS Code (code-server), twice: the main
// phase, then a "reload" phase in a fresh window against the same user data (definitions must survive it).
// Usage: node --import tsx test/vscode/runExtensionTests.ts
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { SecretMarkers } from '../extension/secrets.test';
import { launchBrowser, root, startCodeServer } from './codeServer';
import { listFiles, scanForMarkers } from './scan';

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
  const markers = makeMarkers();
  const all: Outcome[] = [];
  const run = await runInVsCode(RUN_DIR, ['main', 'reload'], {});
  all.push(...run.outcomes);
  // The browser profile holds the workbench's and the webviews' state (and, encrypted, SecretStorage).
  all.push(scanOutcome(markers, [run.userDataDir, run.extensionsDir, join(RUN_DIR, 'workspace'), join(RUN_DIR, 'export'), join(RUN_DIR, 'chromium')]));
  // A second window with workspace trust on: the same hostile workspace opens in Restricted Mode.
  const restrictedDir = join(RUN_DIR, 'restricted');
  mkdirSync(restrictedDir, { recursive: true });
  all.push(...(await runInVsCode(restrictedDir, ['restricted'], { workspaceTrust: true, env: { EAT_PHASE: 'restricted' } })).outcomes);
  const passed = all.filter((o) => o.state === 'passed').length;
  const failed = all.filter((o) => o.state === 'failed').length;
  const skipped = all.filter((o) => o.state === 'pending').length;
  console.log(`\nvscode: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

/**
 * Starts code-server in dir with the hostile workspace, runs the in-host test phases (the workbench runs them one after
 * another and then exits), and collects their outcomes.
 */
async function runInVsCode(dir: string, phases: string[], options: { workspaceTrust?: boolean; env?: Record<string, string> }): Promise<{ outcomes: Outcome[]; userDataDir: string; extensionsDir: string }> {
  const server = await startCodeServer({ dir, smokeTestDriver: true, ...(options.workspaceTrust ? { workspaceTrust: true } : {}) });
  hostileWorkspace(join(dir, 'workspace'));
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
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(join(dir, 'workspace'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([exited, new Promise<number>((resolve) => setTimeout(() => resolve(-1), RUN_TIMEOUT_MS))]);
    for (const phase of phases) {
      const results = join(dir, `results-${phase}.json`);
      if (!existsSync(results)) {
        console.log(`\nIn-VS-Code tests, ${phase} phase: no results (exit ${code}${code === -1 ? ', timed out' : ''}).`);
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
    console.log(`\n${phases.join(' and ')} took ${((Date.now() - started) / 1000).toFixed(1)} s; the workbench exited with ${code}.`);
    if (code !== 0 && outcomes.every((o) => o.state !== 'failed')) outcomes.push({ title: `workbench exit code (${phases.join(', ')})`, state: 'failed', error: `exit ${code}\n${server.log().slice(-2000)}` });
  } finally {
    await browser.close();
    await server.stop();
  }
  return { outcomes, userDataDir: server.userDataDir, extensionsDir: server.extensionsDir };
}

/**
 * Unique marker values for the secrets suite (test/extension/secrets.test.ts), and the fixture certificate with its
 * key re-encrypted under the marker passphrase. Handed over in a file outside everything scanned, never in the
 * environment or the URL (code-server could log those).
 */
function makeMarkers(): SecretMarkers {
  const tag = () => randomBytes(9).toString('base64url');
  const passphrase = `marker-passphrase-${tag()}`;
  const pem = readFileSync(join(root, 'test', 'fixtures', 'blueprint-cert.pem'), 'utf8');
  const key = createPrivateKey(pem);
  const der = (key.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');
  const encrypted = key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  // Slices that start a 64-character PEM line, so they are found in PEM text and in unbroken base64 alike.
  const lineAligned = (b64: string) => b64.slice(Math.floor(b64.length / 128) * 64, Math.floor(b64.length / 128) * 64 + 48);
  const encryptedBody = encrypted.replace(/-----[^-]+-----|\s/g, '');
  const secretsDir = join(RUN_DIR, 'secrets');
  mkdirSync(secretsDir, { recursive: true });
  mkdirSync(join(RUN_DIR, 'export'), { recursive: true });
  const pemPath = join(secretsDir, 'marker-cert.pem');
  writeFileSync(pemPath, `${pem.split('-----BEGIN PRIVATE KEY-----')[0]!.trim()}\n${encrypted}`, { mode: 0o600 });
  const markers: SecretMarkers = {
    clientSecret: `marker-secret-${tag()}`,
    wrongSecret: `marker-wrong-secret-${tag()}`,
    passphrase,
    wrongPassphrase: `marker-wrong-passphrase-${tag()}`,
    // 48 characters from the middle of the key's own bytes, and of its encrypted form in the PEM.
    keyBytes: lineAligned(der),
    encryptedKeyBytes: lineAligned(encryptedBody),
    pemPath,
    exportPath: join(RUN_DIR, 'export', 'definitions.json'),
  };
  writeFileSync(join(RUN_DIR, 'markers.json'), JSON.stringify(markers));
  return markers;
}

/** A workspace that tries to widen the authority allow-list from its own settings (the hostile-workspace test). */
function hostileWorkspace(dir: string): void {
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'entraAgentTokens.additionalAuthorityHosts': ['login.attacker.example', 'attacker.example'] }, null, 2));
}

/** The leak check: no marker in any file of these folders. */
function scanOutcome(markers: SecretMarkers, dirs: string[]): Outcome {
  const values = { clientSecret: markers.clientSecret, wrongSecret: markers.wrongSecret, passphrase: markers.passphrase, wrongPassphrase: markers.wrongPassphrase, keyBytes: markers.keyBytes, encryptedKeyBytes: markers.encryptedKeyBytes };
  const files = dirs.filter((d) => existsSync(d)).flatMap(listFiles);
  const title = `secrets scan: ${Object.keys(values).length} markers in ${files.length} files (user data, extensions, workspace, export, browser profile)`;
  const exported = files.includes(markers.exportPath);
  const hits = scanForMarkers(files, values);
  console.log(`\n${title}: ${hits.length} occurrences`);
  // The scanner must be able to fail: it finds the key markers in the PEM they came from.
  const control = scanForMarkers([markers.pemPath], { encryptedKeyBytes: markers.encryptedKeyBytes }).length;
  if (control !== 1) return { title, state: 'failed', error: 'the scanner did not find a marker in the file that holds it' };
  if (!exported) return { title, state: 'failed', error: 'the export file was not written: the secrets suite did not run to its end' };
  if (hits.length) return { title, state: 'failed', error: hits.map((h) => `${h.marker} in ${h.file}`).join('\n') };
  return { title, state: 'passed' };
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`In-VS-Code tests could not run: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
