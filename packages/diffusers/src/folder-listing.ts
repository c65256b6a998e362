import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The names of a folder's files (symbolic links to files included); none if it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await entriesOf(dir)) {
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(join(dir, entry.name))))) files.push(entry.name);
  }
  return files;
}

/** The names of a folder's subfolders (links to folders included). */
export async function listFolders(dir: string): Promise<string[]> {
  return (await entriesOf(dir)).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name);
}

/** A folder's entries; none if it does not exist or cannot be read. */
async function entriesOf(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
