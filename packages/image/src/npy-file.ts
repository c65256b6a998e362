/** .npy files on disk: read with errors that name the file, written atomically. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { parseNpy, serializeNpy, type NpyArray } from './npy.js';

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFile(path), path);
}

export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, serializeNpy(array));
}
