import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pseudoFileSystemOf } from '@denoise/cli-options';

/**
 * Why `--out` cannot take the bench's history/ and report/, checked before any work: under /proc or /sys, a path that
 * exists and is not a folder, or a folder (the path itself, else its nearest existing parent, where it would be made)
 * that is not writable. Undefined when it can.
 */
export function outputFolderProblem(out: string): string | undefined {
  if (out.trim() === '') return "--out '': expected a folder (use . for the current one)";
  const absolute = resolve(out);
  const pseudo = pseudoFileSystemOf(absolute);
  if (pseudo !== undefined) return `--out ${out}: cannot write under ${pseudo} (a kernel pseudo-file system)`;
  let existing = absolute;
  for (;;) {
    let isFolder: boolean | undefined;
    try {
      isFolder = statSync(existing).isDirectory();
    } catch {
      isFolder = undefined;
    }
    if (isFolder === false) return `--out ${out}: ${existing} exists and is not a folder`;
    if (isFolder) break;
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `--out ${out}: ${existing} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return undefined;
}
