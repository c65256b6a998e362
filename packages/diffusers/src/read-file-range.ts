import type { FileHandle } from 'node:fs/promises';
import { WeightsFileError } from './weights-file.js';

/**
 * Reads exactly `length` bytes at `position`, looping over short reads. A file that ends first is a
 * `WeightsFileError` naming `what` was being read, so a truncated download says where it was cut.
 */
export async function readFileRange(
  handle: FileHandle,
  path: string,
  position: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new WeightsFileError(
        path,
        `${what} needs bytes ${position}..${position + length} but the file ends at byte ${position + done}; it is truncated`,
      );
    }
    done += bytesRead;
  }
  return bytes;
}
