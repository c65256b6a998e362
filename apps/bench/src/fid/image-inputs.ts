import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { BenchInputError } from '../bench-input-error.js';

/** The extensions pytorch-fid collects from a folder; denoise decodes the PNGs among them. */
const IMAGE_EXTENSIONS = new Set(['.bmp', '.jpg', '.jpeg', '.pgm', '.png', '.ppm', '.tif', '.tiff', '.webp']);

/**
 * The image files named by `paths`, in the order given: a file as it is, a folder as its image files (not its
 * subfolders, as pytorch-fid), sorted by name in code-point order (Python's `sorted`). Only PNG is decoded: any other
 * image file is an error naming it, rather than being skipped and changing the set.
 */
export async function listImageFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new BenchInputError(`${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : error.message}`);
    });
    if (info.isDirectory()) {
      const names = (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (names.length === 0) throw new BenchInputError(`${path}: no image files in this folder (looked for ${[...IMAGE_EXTENSIONS].join(' ')})`);
      files.push(...names.map((n) => join(path, n)));
    } else {
      files.push(path);
    }
  }
  const other = files.find((f) => extname(f).toLowerCase() !== '.png');
  if (other !== undefined) throw new BenchInputError(`${other}: only PNG images are read (convert it, or leave it out of the set)`);
  return files;
}
