// Runs the mocha suites of test/extension inside the extension host of a real VS Code (code-server), twice: the main
// phase, then a "reload" phase in a fresh window against the same user data (definitions must survive it).
// Usage: node --import tsx test/vscode/runExtensionTests.ts
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { SecretMarkers } from '../extension/secrets.test';
import { root } from './codeServer';
import { runInVsCode, type Outcome } from './phases';
import { listFiles, scanForMarkers } from './scan';

const RUN_DIR = join(root, '.vscode-test', 'runs', 'extension-tests');

async function main(): Promise<number> {
  // The extension and the in-host test bundles, built the same way npm run build does.
  execFileSync(process.execPath, [join(root, 'esbuild.js'), '--tests'], { cwd: root, stdio: 'inherit' });
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const markers = makeMarkers();
  const all: Outcome[] = [];
  const run = await runInVsCode(RUN_DIR, ['main', 'reload'], { workspace: hostileWorkspace });
  all.push(...run.outcomes);
  // The browser profile holds the workbench's and the webviews' state (and, encrypted, SecretStorage).
  all.push(
    scanOutcome(markers, [
      run.userDataDir,
      run.extensionsDir,
      join(RUN_DIR, 'workspace'),
      join(RUN_DIR, 'export'),
      join(RUN_DIR, 'chromium'),
    ]),
  );
  // A second window with workspace trust on: the same hostile workspace opens in Restricted Mode.
  const restrictedDir = join(RUN_DIR, 'restricted');
  mkdirSync(restrictedDir, { recursive: true });
  all.push(
    ...(
      await runInVsCode(restrictedDir, ['restricted'], {
        workspace: hostileWorkspace,
        workspaceTrust: true,
        env: { EAT_PHASE: 'restricted' },
      })
    ).outcomes,
  );
  const passed = all.filter((o) => o.state === 'passed').length;
  const failed = all.filter((o) => o.state === 'failed').length;
  const skipped = all.filter((o) => o.state === 'pending').length;
  console.log(`\nvscode: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 && passed > 0 ? 0 : 1;
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
  const lineAligned = (b64: string) =>
    b64.slice(Math.floor(b64.length / 128) * 64, Math.floor(b64.length / 128) * 64 + 48);
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
  writeFileSync(
    join(dir, '.vscode', 'settings.json'),
    JSON.stringify(
      { 'entraAgentTokens.additionalAuthorityHosts': ['login.attacker.example', 'attacker.example'] },
      null,
      2,
    ),
  );
}

/** The leak check: no marker in any file of these folders. */
function scanOutcome(markers: SecretMarkers, dirs: string[]): Outcome {
  const values = {
    clientSecret: markers.clientSecret,
    wrongSecret: markers.wrongSecret,
    passphrase: markers.passphrase,
    wrongPassphrase: markers.wrongPassphrase,
    keyBytes: markers.keyBytes,
    encryptedKeyBytes: markers.encryptedKeyBytes,
  };
  const files = dirs.filter((d) => existsSync(d)).flatMap(listFiles);
  const title = `secrets scan: ${Object.keys(values).length} markers in ${files.length} files (user data, extensions, workspace, export, browser profile)`;
  const exported = files.includes(markers.exportPath);
  const hits = scanForMarkers(files, values);
  console.log(`\n${title}: ${hits.length} occurrences`);
  // The scanner must be able to fail: it finds the key markers in the PEM they came from.
  const control = scanForMarkers([markers.pemPath], { encryptedKeyBytes: markers.encryptedKeyBytes }).length;
  if (control !== 1)
    return { title, state: 'failed', error: 'the scanner did not find a marker in the file that holds it' };
  if (!exported)
    return {
      title,
      state: 'failed',
      error: 'the export file was not written: the secrets suite did not run to its end',
    };
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
