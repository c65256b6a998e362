/**
 * The one atomic file writer of the project: write a temporary file in the target's directory,
 * fsync it, rename it over the target, fsync the directory. Readers see the old file or the new one,
 * never a partial one; on failure the temporary file is removed and the target is untouched.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Same directory, so rename(2) never crosses a file system; the dot keeps it out of glob listings.
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const file = await open(tempPath, 'wx');
    created = true;
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tempPath, path);
    created = false;
  } catch (error) {
    if (created) await rm(tempPath, { force: true });
    const problem = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot write ${path}: ${problem}`, { cause: error });
  }
  await syncDirectory(dirname(path));
}

const DIRECTORY_SYNC_UNSUPPORTED: ReadonlySet<string> = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF']);

/** Makes the rename durable. Some platforms (Windows) cannot open a directory; there it is skipped. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) {
      throw new Error(`wrote ${directory} but cannot fsync the directory: ${String(error)}`, { cause: error });
    }
  } finally {
    await handle?.close();
  }
}
