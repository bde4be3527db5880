import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReadError, readRegularFile } from '../../src/core/safety/boundedFile';
import { federatedTokenFile } from '../../src/core/credentials/credentials';
import { readRegularTextFile } from '../../src/core/safety/boundedFile';
import { CredentialError } from '../../src/core/errors/errors';

// SECURITY.md, "What an import may point at": a credential file is a regular file under a cap, and reading one never
// blocks. Each case would hang (FIFO, /dev/zero) or read without end on a plain readFile.
describe('promise: a credential file that is not a small regular file fails fast with a clear reason', function () {
  this.timeout(5_000);
  const dir = mkdtempSync(join(tmpdir(), 'eat-files-'));
  const fifo = join(dir, 'token.fifo');
  execFileSync('mkfifo', [fifo]);
  after(() => rmSync(dir, { recursive: true, force: true }));

  const reason = async (path: string, max = 1024) => {
    try {
      await readRegularFile(path, max);
      return 'read';
    } catch (e) {
      assert.ok(e instanceof FileReadError);
      return e.reason;
    }
  };

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    assert.equal(await reason(fifo), 'not a regular file: a FIFO (named pipe)');
  });
  it('refuses /dev/zero, a directory, and a file over the cap', async () => {
    assert.equal(await reason('/dev/zero'), 'not a regular file: a character device');
    assert.equal(await reason(dir), 'not a regular file: a directory');
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(2048));
    assert.equal(await reason(big), 'over 1 KB');
    assert.equal(await reason(join(dir, 'missing')), 'ENOENT');
  });
  it('reads a regular file, also through a symbolic link (as Kubernetes projects token files)', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'abc');
    symlinkSync(file, join(dir, 'link'));
    assert.equal((await readRegularFile(join(dir, 'link'), 1024)).toString(), 'abc');
    assert.equal((await readRegularFile(file, 3)).toString(), 'abc', 'exactly the cap is allowed');
  });
  it('a federated token file that is a FIFO gives a CredentialError naming the reason', async () => {
    const credential = federatedTokenFile(fifo, (p) => readRegularTextFile(p, 64 * 1024));
    await assert.rejects(
      credential.getAssertion(),
      (e: unknown) => e instanceof CredentialError && /cannot be read \(not a regular file: a FIFO/.test(e.message),
    );
  });
});
