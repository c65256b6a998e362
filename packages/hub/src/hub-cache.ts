import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/** A 40-hex-digit git commit hash. */
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/**
 * One repository's folder in Python huggingface_hub's cache, laid out as it lays it out:
 * `models--OWNER--NAME/blobs/<etag>` (the sha256 of an LFS file, the git blob id of another),
 * `snapshots/<commit>/<path>` (relative symlinks to the blobs) and `refs/<revision>` (the commit a branch
 * or tag resolved to). Downloads in progress are `blobs/<etag>.incomplete`, as Python names them, so either
 * tool resumes the other's.
 */
export class HubRepoCache {
  readonly repoDir: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.repoDir = join(cacheDir, `models--${repo.split('/').join('--')}`);
  }

  blobPath(etag: string): string {
    return join(this.repoDir, 'blobs', etag);
  }

  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  /**
   * The lock a download of blob `etag` holds, beside huggingface_hub's own in `.locks/` but under another name:
   * Python's are flock(2) locks on files it leaves behind, which this lock's existence test would misread.
   */
  downloadLockPath(etag: string): string {
    return join(this.cacheDir, '.locks', `models--${this.repo.split('/').join('--')}`, `${etag}.denoise-lock`);
  }

  snapshotDir(commit: string): string {
    return join(this.repoDir, 'snapshots', commit);
  }

  /** The commit `revision` (a branch or tag) resolved to when it was last fetched, if it ever was. */
  async readRef(revision: string): Promise<string | undefined> {
    try {
      const commit = (await readFile(join(this.repoDir, 'refs', revision), 'utf8')).trim();
      return COMMIT_HASH.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    const path = join(this.repoDir, 'refs', revision);
    await mkdir(dirname(path), { recursive: true });
    const temporary = temporaryName(path);
    await writeFile(temporary, commit);
    await rename(temporary, path);
  }

  /** Points snapshots/<commit>/<path> at the blob with a relative symlink, replacing whatever was there. */
  async linkSnapshotFile(commit: string, path: string, etag: string): Promise<string> {
    const pointer = join(this.snapshotDir(commit), ...path.split('/'));
    await mkdir(dirname(pointer), { recursive: true });
    const target = relative(dirname(pointer), this.blobPath(etag));
    const temporary = temporaryName(pointer);
    await rm(temporary, { force: true });
    await symlink(target, temporary);
    await rename(temporary, pointer);
    return pointer;
  }

  /**
   * The path of a cached snapshot file after checking where it leads: a link into this repo's blobs/ (as both tools
   * write them) or a regular file inside the snapshot. A link that leads anywhere else (out of the cache, into another
   * repo) is refused with SnapshotLinkError rather than read. ENOENT (a blob removed by a clean-up) passes through.
   */
  async checkedSnapshotFile(commit: string, path: string): Promise<string> {
    const pointer = join(this.snapshotDir(commit), ...path.split('/'));
    const target = await realpath(pointer);
    const blobs = `${await realpath(join(this.repoDir, 'blobs')).catch(() => join(this.repoDir, 'blobs'))}${sep}`;
    const snapshot = `${await realpath(this.snapshotDir(commit))}${sep}`;
    const isLink = (await lstat(pointer)).isSymbolicLink();
    if (isLink ? !target.startsWith(blobs) : !target.startsWith(snapshot)) throw new SnapshotLinkError(pointer, target, blobs.slice(0, -1));
    return pointer;
  }

  /** Every file path of a cached snapshot ('/'-separated), empty when the snapshot is not cached. */
  async snapshotFiles(commit: string): Promise<string[]> {
    return (await filesUnder(this.snapshotDir(commit))).sort();
  }

  /** What is cached for this repo, for error messages: 'main → 1a2b3c4, <commit> (3 files)'. */
  async describe(): Promise<string> {
    let commits: string[];
    try {
      commits = (await readdir(join(this.repoDir, 'snapshots'))).filter((c) => COMMIT_HASH.test(c));
    } catch {
      return 'nothing';
    }
    if (commits.length === 0) return 'nothing';
    const refs = await this.refNames();
    const parts = await Promise.all(
      commits.map(async (commit) => {
        const names = refs.filter(([, c]) => c === commit).map(([name]) => `${name} → `);
        return `${names.join('')}${commit.slice(0, 12)} (${(await this.snapshotFiles(commit)).length} files)`;
      }),
    );
    return parts.join('; ');
  }

  async exists(path: string): Promise<boolean> {
    try {
      await lstat(path);
      return true;
    } catch {
      return false;
    }
  }

  private async refNames(): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for (const name of await filesUnder(join(this.repoDir, 'refs'))) {
      const commit = await this.readRef(name);
      if (commit) out.push([name, commit]);
    }
    return out;
  }
}

/** Every file below `root` (symlinks included), as '/'-separated paths relative to it; empty when `root` is missing. */
async function filesUnder(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(relative(root, full).split('\\').join('/'));
    }
  };
  await walk(root);
  return files;
}

/** A cached snapshot file that leads out of its repo's blobs/: never read. */
export class SnapshotLinkError extends Error {
  override readonly name = 'SnapshotLinkError';

  constructor(
    readonly pointer: string,
    readonly target: string,
    blobs: string,
  ) {
    super(`${pointer} leads to ${target}, outside ${blobs}; a snapshot file must link into its repo's blobs/ (remove the snapshot to fetch it again)`);
  }
}

/** A temporary name beside `path`, unique to this call: two resolutions in one process must not share one. */
function temporaryName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}
