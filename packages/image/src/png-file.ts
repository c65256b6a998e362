/** PNG files on disk: written atomically, read with errors that name the file. */
import { readRegularFile } from './regular-file.js';
import { writeFileAtomic } from './atomic-write.js';
import type { Rgba8Image } from './image-types.js';
import { decodePng, encodePng, type DecodedPng } from './png-codec.js';

export async function writePng(
  path: string,
  image: Rgba8Image,
  text: Readonly<Record<string, string>> = {},
): Promise<void> {
  await writeFileAtomic(path, encodePng(image, text));
}

export async function readPng(path: string): Promise<DecodedPng> {
  return decodePng(await readRegularFile(path), path);
}
