// A file that holds a private key: readable by its owner only from its first byte, and never written through
// whatever the path already is. A new file is created beside it with O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600
// (the umask can only take bits away), written and flushed, then renamed over the path: an existing file (0644,
// say) never holds the key, and a symbolic link at the path is replaced, not followed.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors/errors';

export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);
  let created = false;
  try {
    const handle = await open(temporary, flags, 0o600);
    created = true;
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (e) {
    if (created) await unlink(temporary).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code ?? 'failed';
    throw new ConfigError(
      'Key file',
      `${path} could not be written (${code === 'EISDIR' ? 'it is a folder' : code}).`,
      'Pick a file in a folder you can write to.',
    );
  }
}
