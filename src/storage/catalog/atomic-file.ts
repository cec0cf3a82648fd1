// Atomic whole-file replacement: after a crash at any moment, `path` holds either its previous
// contents or the new contents, never a mix, a truncation or nothing (when it existed before).
// Used for the catalog and for small state files such as consumer checkpoints.
//
// Order (each step is finished before the next begins; this order is the whole point):
//   1. write `<path>.tmp` (same directory, so the rename cannot cross file systems), mode applied
//      with chmod as well because open() only applies it to a file it creates;
//   2. fsync the temporary file: its bytes are durable before its name can replace the old one;
//   3. rename over `path`: atomic on POSIX;
//   4. fsync the directory: the rename itself is durable.
// A crash before 3 leaves a stale `<path>.tmp` and the old file; readers ignore and remove the
// temporary file (removeStaleTemp). A failure after 3 (the directory fsync) leaves the new file in
// place but perhaps not durable: the error says so (step 'fsync-dir'), and the caller must treat
// the outcome as unknown.
//
// Callers serialize writes to one path: two concurrent writes would share `<path>.tmp`.
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DbError } from '../../core/errors.ts';

export const TEMP_SUFFIX = '.tmp';

/** The step of writeFileAtomic that failed; in the IO_ERROR's details as `step`. */
export type AtomicWriteStep = 'write' | 'rename' | 'fsync-dir';

export interface AtomicWriteOptions {
  /** File mode of the new file, e.g. 0o600 for files that hold secrets. */
  readonly mode: number;
}

export function tempPathOf(path: string): string {
  return path + TEMP_SUFFIX;
}

/** Replaces `path` with `data` atomically and durably (see the order above). Throws IO_ERROR. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const tempPath = tempPathOf(path);
  try {
    const handle = await open(tempPath, 'w', options.mode);
    try {
      await handle.chmod(options.mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    await unlink(tempPath).catch(() => undefined);
    throw stepError('write', tempPath, cause);
  }
  try {
    await rename(tempPath, path);
  } catch (cause) {
    await unlink(tempPath).catch(() => undefined);
    throw stepError('rename', path, cause);
  }
  try {
    await fsyncDirectory(dirname(path));
  } catch (cause) {
    throw stepError('fsync-dir', dirname(path), cause);
  }
}

/** Makes the entries of `directory` (creations, renames, removals) durable. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes `<path>.tmp` left by a write that crashed before its rename; such a file never holds
 * acknowledged state. Returns whether one was found. Throws IO_ERROR if it cannot be removed
 * (a directory in its place, say), rather than leaving the next write to fail later.
 */
export async function removeStaleTemp(path: string): Promise<boolean> {
  const tempPath = tempPathOf(path);
  try {
    await unlink(tempPath);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new DbError('IO_ERROR', `removing stale temporary file ${tempPath} (${errnoOf(cause)})`, { errno: errnoOf(cause), path: tempPath }, { cause });
  }
}

function stepError(step: AtomicWriteStep, path: string, cause: unknown): DbError {
  const errno = errnoOf(cause);
  const what =
    step === 'fsync-dir'
      ? `fsync of directory ${path} after replacing a file; the new contents may or may not survive a crash`
      : `${step === 'write' ? 'writing' : 'renaming into'} ${path}`;
  return new DbError('IO_ERROR', `${what} (${errno})`, { errno, path, step }, { cause });
}

function errnoOf(cause: unknown): string {
  return (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
}
