import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadFile } from '@huggingface/hub';
import { ProcessLock, type LockOwner } from '@denoise/image';
import { blobHashFor, verifyBlob } from './blob-hash.js';
import type { HubRepoCache } from './hub-cache.js';
import type { HubEnvironment } from './hub-environment.js';
import { readWithin, type HubNetwork } from './hub-fetch.js';

/** What the hub says a file is: its size and, for verification, its sha256 (LFS) or git blob id. */
export interface RemoteFile {
  readonly path: string;
  readonly size: number;
  /** sha256 (hex) of an LFS file; the blob's name in the cache. */
  readonly sha256?: string;
  /** git blob id (sha1 of 'blob <size>\0' + content) of a regular file; the blob's name when there is no sha256. */
  readonly gitOid: string;
}

export interface DownloadProgress {
  readonly path: string;
  readonly receivedBytes: number;
  readonly totalBytes: number;
  /** Bytes already on disk from an interrupted download when this one started. */
  readonly resumedFromBytes: number;
  readonly done: boolean;
}

/** What ensureBlob tells its caller while it works. */
export interface DownloadHooks {
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Another process is downloading the same blob; this one waits for it. Called once. */
  readonly onWait?: (owner: LockOwner) => void;
  /** Re-hash a cached blob before trusting it (by default one of the right size is trusted, as huggingface_hub does). */
  readonly verify?: boolean;
}

export function blobName(file: RemoteFile): string {
  return file.sha256 ?? file.gitOid;
}

/**
 * Puts `file` of `commit` into the cache as blobs/<etag>, verified: a download appends to
 * blobs/<etag>.incomplete (resuming one left by an interrupted run, ours or Python's), is checked against the
 * hub's size and sha256 (or git blob id), and only then renamed into place, so no partial or corrupt file is
 * ever taken as complete. A cached blob of the wrong size is a corrupt blob: it is removed and fetched again.
 * A download holds the blob's lock (HubRepoCache.downloadLockPath): a second process that needs the same blob
 * waits for it (told through `onWait`), then finds the blob in place, instead of writing the same .incomplete file.
 */
export async function ensureBlob(
  cache: HubRepoCache,
  file: RemoteFile,
  commit: string,
  env: HubEnvironment,
  network: HubNetwork,
  hooks: DownloadHooks = {},
): Promise<{ readonly downloaded: boolean; readonly repairedBlob: boolean }> {
  const blob = cache.blobPath(blobName(file));
  let hashMismatch = false;
  if ((await sizeOf(blob)) === file.size) {
    if (!hooks.verify || (await verifyBlob(blob, blobName(file)))?.matches !== false) return { downloaded: false, repairedBlob: false };
    await rm(blob, { force: true }); // its content is not what its name says: fetched again below, as a wrong size is
    hashMismatch = true;
  }
  const lockPath = cache.downloadLockPath(blobName(file));
  await mkdir(dirname(lockPath), { recursive: true });
  const lock = await ProcessLock.acquire(lockPath, { ...(network.signal ? { signal: network.signal } : {}), ...(hooks.onWait ? { onWait: hooks.onWait } : {}) });
  try {
    const result = await downloadLocked(cache, file, commit, env, network, lock, hooks.onProgress);
    return { ...result, repairedBlob: result.repairedBlob || hashMismatch };
  } finally {
    lock.release();
  }
}

/** ensureBlob's work once the blob's lock is held: the blob may have arrived while this process waited for it. */
async function downloadLocked(
  cache: HubRepoCache,
  file: RemoteFile,
  commit: string,
  env: HubEnvironment,
  network: HubNetwork,
  lock: ProcessLock,
  onProgress?: (progress: DownloadProgress) => void,
): Promise<{ readonly downloaded: boolean; readonly repairedBlob: boolean }> {
  const blob = cache.blobPath(blobName(file));
  const existing = await sizeOf(blob);
  let repairedBlob = false;
  if (existing === file.size) return { downloaded: false, repairedBlob };
  if (existing !== undefined) {
    await rm(blob, { force: true });
    repairedBlob = true;
  }
  const incomplete = cache.incompletePath(blobName(file));
  let offset = (await sizeOf(incomplete)) ?? 0;
  if (offset > file.size) {
    await rm(incomplete, { force: true });
    offset = 0;
  }
  const hash = blobHashFor(blobName(file), file.size)!;
  if (offset > 0) for await (const chunk of createReadStream(incomplete)) hash.update(chunk as Buffer);

  await mkdir(dirname(incomplete), { recursive: true });
  await (await open(incomplete, 'a')).close();
  const handle = await open(incomplete, 'r+');
  try {
    let received = offset;
    const report = (done: boolean) => onProgress?.({ path: file.path, receivedBytes: received, totalBytes: file.size, resumedFromBytes: offset, done });
    report(false);
    if (offset < file.size) {
      const remote = await downloadFile({
        repo: { type: 'model', name: cache.repo },
        path: file.path,
        revision: commit,
        hubUrl: env.endpoint,
        xet: false,
        fetch: network.downloadFetch,
        ...(env.token ? { accessToken: env.token } : {}),
      });
      if (!remote) throw new Error(`${file.path} is not in ${cache.repo} at ${commit}`);
      const reader = remote.slice(offset).stream().getReader();
      let lastReport = 0;
      for (;;) {
        network.signal?.throwIfAborted(); // the .incomplete file stays: the next run resumes it
        const { done, value } = await readWithin(reader, network.downloadTimeoutMs, `the download of ${file.path}`);
        if (done) break;
        await handle.write(value, 0, value.byteLength, received);
        hash.update(value);
        received += value.byteLength;
        if (received > file.size) break;
        lock.refresh();
        const now = performance.now();
        if (now - lastReport > 200) {
          report(false);
          lastReport = now;
        }
      }
    }
    report(true);
    if (received !== file.size) {
      throw new BlobMismatchError(file, `received ${received} bytes, the hub lists ${file.size}`);
    }
  } finally {
    await handle.close();
  }
  const digest = hash.digest('hex');
  const expected = file.sha256 ?? file.gitOid;
  if (digest !== expected) {
    await rm(incomplete, { force: true });
    throw new BlobMismatchError(file, `its ${file.sha256 ? 'sha256' : 'git blob id'} is ${digest}, the hub lists ${expected}: the download is corrupt and was discarded`);
  }
  await rename(incomplete, blob);
  return { downloaded: true, repairedBlob };
}

/** A downloaded file that does not match what the hub lists for it. */
export class BlobMismatchError extends Error {
  override readonly name = 'BlobMismatchError';
  constructor(
    readonly file: RemoteFile,
    reason: string,
  ) {
    super(`${file.path}: ${reason}`);
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
