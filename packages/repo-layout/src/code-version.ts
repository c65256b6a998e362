import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { denoiseVersion, packageDirOf } from './repo-layout.js';

/** The file pack:release writes beside the shipped assets: the commit the tarballs were packed from. */
export const BUILD_INFO_FILE = 'build-info.json';

function stampedBuild(): { readonly gitCommit: string; readonly gitDirty: boolean } | undefined {
  const path = join(packageDirOf(import.meta.url), 'assets', BUILD_INFO_FILE);
  if (!existsSync(path)) return undefined;
  const info = JSON.parse(readFileSync(path, 'utf8')) as { gitCommit?: unknown; gitDirty?: unknown };
  return typeof info.gitCommit === 'string' && typeof info.gitDirty === 'boolean' ? { gitCommit: info.gitCommit, gitDirty: info.gitDirty } : undefined;
}

/**
 * The commit this code was checked out at, and whether tracked files differ from it: from git in a checkout, else from
 * the build-info.json that `pnpm pack:release` writes into an installed package's assets; 'unknown' without either.
 */
export function gitState(): { readonly gitCommit: string; readonly gitDirty: boolean } {
  const stamped = stampedBuild();
  if (stamped !== undefined) return stamped;
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
