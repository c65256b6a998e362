import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Pseudo-file systems where nothing can be written (a write under /proc hangs or fails only after the run). */
const REFUSED_ROOTS = ['/proc', '/sys'];

/**
 * Why `--out` cannot take the bench's history/ and report/, checked before any work: under /proc or /sys, a path that
 * exists and is not a folder, or a folder (the path itself, else its nearest existing parent, where it would be made)
 * that is not writable. Undefined when it can.
 */
export function outputFolderProblem(out: string): string | undefined {
  if (out.trim() === '') return "--out '': expected a folder (use . for the current one)";
  const absolute = resolve(out);
  for (const root of REFUSED_ROOTS) {
    if (absolute === root || absolute.startsWith(`${root}/`)) return `--out ${out}: cannot write under ${root} (a kernel pseudo-file system)`;
  }
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
