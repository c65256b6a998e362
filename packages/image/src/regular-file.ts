/** Reading a file a user named: only a regular file, so that a FIFO cannot hang the run nor a device fill memory. */
import { constants, lstatSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** The path exists but is not a regular file (a FIFO, a device such as /dev/zero, a socket, or a folder). */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
  /** Like Node's own errors, so that callers that report `code` name it too. */
  readonly code = 'ENOTREG';

  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`${path}: is ${kind}, not a regular file`);
  }
}

/**
 * The whole of a regular file. It is opened without blocking (a FIFO would otherwise wait for a writer) and checked
 * with fstat on the open descriptor, so a link to /dev/zero is refused before a byte is read. Other errors are
 * Node's own (ENOENT, EACCES, …).
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotRegularFileError(path, fileKind(stats));
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function fileKind(stats: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * What stands at an output path that a write by rename (writeFileAtomic) must not replace: 'a folder', 'a symbolic
 * link' (the rename would replace the link, not its target) or 'a device, FIFO or socket' (e.g. /dev/null, as root).
 * undefined when the path is absent or a regular file. Synchronous; other errors than ENOENT are Node's.
 */
export function replacedByRename(path: string): 'a folder' | 'a symbolic link' | 'a device, FIFO or socket' | undefined {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return stats.isFile() ? undefined : 'a device, FIFO or socket';
}
