// SECURITY.md, "a certificate's private key goes only to the file the user picks, mode 0600": Add Certificate…
// writes the key through core/credentials/privateFile.ts. The key must never sit in a file anyone else may read, not even for
// an instant, and a link at the path must not send it elsewhere.
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  readdirSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/errors/errors';
import { writePrivateFile } from '../../src/core/credentials/privateFile';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';

describe('promise: a private key is written only to a new 0600 file, never into an existing file or through a link', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'eat-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const posix = process.platform !== 'win32';

  it('a new file: mode 0600, the key inside, nothing else left in the folder', async () => {
    const file = join(dir, 'blueprint.pem');
    await writePrivateFile(file, KEY);
    assert.equal(readFileSync(file, 'utf8'), KEY);
    if (posix) assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['blueprint.pem']);
  });

  it('an existing world-readable file is replaced: its own inode never holds the key', async () => {
    const file = join(dir, 'blueprint.pem');
    writeFileSync(file, 'old certificate\n', { mode: 0o644 });
    // Someone holds the old file open (as a reader racing the write would): what they can read never becomes the key.
    const fd = openSync(file, 'r');
    await writePrivateFile(file, KEY);
    const seen = Buffer.alloc(4096);
    const n = readSync(fd, seen, 0, seen.length, 0);
    assert.equal(seen.subarray(0, n).toString('utf8'), 'old certificate\n');
    assert.equal(readFileSync(file, 'utf8'), KEY);
    if (posix) assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a symbolic link at the path is replaced, not followed', async function () {
    if (!posix) this.skip();
    const elsewhere = join(dir, 'shared', 'notes.txt');
    mkdirSync(join(dir, 'shared'));
    writeFileSync(elsewhere, 'public notes\n', { mode: 0o644 });
    const file = join(dir, 'blueprint.pem');
    symlinkSync(elsewhere, file);
    await writePrivateFile(file, KEY);
    assert.equal(readFileSync(elsewhere, 'utf8'), 'public notes\n', 'the link target is untouched');
    assert.ok(lstatSync(file).isFile(), 'the path is now a regular file');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a folder at the path: an explained error, and no key left behind', async () => {
    const file = join(dir, 'blueprint.pem');
    mkdirSync(file);
    await assert.rejects(
      writePrivateFile(file, KEY),
      (e: unknown) => e instanceof ConfigError && /could not be written \(it is a folder\)/.test(e.problem),
    );
    assert.deepEqual(readdirSync(dir), ['blueprint.pem']);
  });
});
