/**
 * A cached blob's content checked against the name it is stored under: the sha256 of an LFS file (64 hex digits) or
 * the git blob id of another (40: sha1 over 'blob <size>\0' then the content), as both the hub and
 * huggingface_hub's cache name them.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** The hash a blob named `etag` must have, started (git's header included); undefined for a name that is neither. */
export function blobHashFor(etag: string, size: number): Hash | undefined {
  if (/^[0-9a-f]{64}$/.test(etag)) return createHash('sha256');
  if (/^[0-9a-f]{40}$/.test(etag)) return createHash('sha1').update(`blob ${size}\0`);
  return undefined;
}

/** What re-hashing the blob at `path` (named `etag`) found: its digest matches the name, or not; or the name is no hash. */
export async function verifyBlob(path: string, etag: string): Promise<{ readonly matches: boolean; readonly digest: string; readonly bytes: number } | undefined> {
  const { size } = await stat(path);
  const hash = blobHashFor(etag, size);
  if (hash === undefined) return undefined;
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  return { matches: digest === etag, digest, bytes: size };
}
