import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { denoiseVersion } from './repo-layout.js';

/** The commit this code was checked out at, and whether tracked files differ from it; 'unknown' outside a git checkout. */
export function gitState(): { readonly gitCommit: string; readonly gitDirty: boolean } {
  try {
    // Asked where this code lives, not in the working directory (a command may run from anywhere).
    const cwd = dirname(fileURLToPath(import.meta.url));
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { gitCommit: commit, gitDirty: dirty };
  } catch {
    return { gitCommit: 'unknown', gitDirty: false };
  }
}

/** What `--version` prints: `denoise 0.1.0 (commit 5828674abcde, with uncommitted changes)`. */
export function versionLine(): string {
  const { gitCommit, gitDirty } = gitState();
  const commit = gitCommit === 'unknown' ? 'commit unknown' : `commit ${gitCommit.slice(0, 12)}${gitDirty ? ', with uncommitted changes' : ''}`;
  return `denoise ${denoiseVersion()} (${commit})`;
}
