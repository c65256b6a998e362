/** .npy files on disk: read with errors that name the file, written atomically. */
import { readRegularFile } from './regular-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { parseNpy, serializeNpy, type NpyArray } from './npy.js';

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readRegularFile(path), path);
}

export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, serializeNpy(array));
}
