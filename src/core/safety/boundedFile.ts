import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/**
 * A file named by the user or by an imported configuration could be anything: a FIFO (reading it waits for a writer
 * forever), /dev/zero (endless), a directory, a huge log. Credential and configuration files are read only when they
 * are regular files under a size cap, and the read never blocks on what the path turns out to be.
 */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    /** Short, for "(…)" after a message: an errno code (ENOENT, EACCES), "not a regular file: a FIFO", "over 64 KB". */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Why a read failed, for "(…)" after a message: the FileReadError's reason, an errno code, or "unreadable". */
export function readFailure(e: unknown): string {
  return (e as { reason?: string }).reason ?? (e as NodeJS.ErrnoException).code ?? 'unreadable';
}

export const MAX_CERTIFICATE_FILE_BYTES = 1 << 20;
export const MAX_FEDERATED_TOKEN_FILE_BYTES = 64 * 1024;
export const MAX_IMPORT_FILE_BYTES = 1 << 20;

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a plain file';
}

const size = (n: number) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : `${n / 1024} KB`);

function check(s: Stats, maxBytes: number): void {
  if (!s.isFile()) throw new FileReadError(`not a regular file: ${kindOf(s)}`);
  if (s.size > maxBytes) throw new FileReadError(`over ${size(maxBytes)}`);
}

/** The bytes of a regular file of at most maxBytes (symbolic links are followed, as platforms use them for token files). */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // stat never blocks; open with O_NONBLOCK does not wait for a FIFO's writer if the path changed in between.
    check(await stat(path), maxBytes);
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    check(await handle.stat(), maxBytes);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new FileReadError(`over ${size(maxBytes)}`);
    }
    return buffer.subarray(0, length);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    throw new FileReadError((e as NodeJS.ErrnoException).code ?? 'unreadable');
  } finally {
    await handle?.close();
  }
}

export async function readRegularTextFile(path: string, maxBytes: number): Promise<string> {
  return (await readRegularFile(path, maxBytes)).toString('utf8');
}
