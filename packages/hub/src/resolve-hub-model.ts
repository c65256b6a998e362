import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HubApiError, modelInfo, pathsInfo } from '@huggingface/hub';
import { modelPlanPaths, ModelFilePlanError, planModelFiles, type ModelFilePlan } from '@denoise/diffusers';
import { verifyBlob } from './blob-hash.js';
import { BlobMismatchError, blobName, ensureBlob, type DownloadProgress, type RemoteFile } from './blob-download.js';
import { COMMIT_HASH, HubRepoCache, SnapshotLinkError } from './hub-cache.js';
import { hubEnvironmentProblem, readHubEnvironment, type HubEnvironment } from './hub-environment.js';
import { hubNetwork, HubTimeoutError, type HubNetwork } from './hub-fetch.js';
import { HubError } from './hub-errors.js';
import { parseHubReference, type HubReference } from './hub-reference.js';

export interface ResolveHubOptions {
  /** diffusers weights variant (e.g. 'fp16'). */
  readonly variant?: string;
  /** Default: read from process.env as huggingface_hub does. */
  readonly environment?: HubEnvironment;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly log?: (line: string) => void;
  /** Stops a request or a download at once (the .incomplete file stays, for the next run to resume). */
  readonly signal?: AbortSignal;
  /**
   * Re-hash every cached file the model uses against its sha256 / git blob id instead of trusting one of the right
   * size. Online, a blob that does not match is fetched again; offline, it is an error naming it.
   */
  readonly verifyCache?: boolean;
}

/** What `verifyCache` found. */
export interface CacheVerification {
  /** Cached files re-hashed (files downloaded by this call are verified as they arrive and not counted). */
  readonly files: number;
  readonly bytes: number;
  /** Files whose cached blob did not match and were fetched again. */
  readonly repaired: readonly string[];
}

/** What a run says of a verification: `re-hashed 4 cached file(s), 0.6 MiB[; fetched again, not matching: …]`. */
export function describeCacheVerification(verified: CacheVerification): string {
  const repaired = verified.repaired.length > 0 ? `; fetched again, not matching: ${verified.repaired.join(', ')}` : '';
  return `re-hashed ${verified.files} cached file(s), ${(verified.bytes / 2 ** 20).toFixed(1)} MiB${repaired}`;
}

export interface ResolvedHubModel {
  /** The model folder inside the cached snapshot (what loadModel then reads). */
  readonly localPath: string;
  readonly reference: HubReference;
  /** The revision asked for, or 'main'. */
  readonly revision: string;
  /** The commit it resolved to: what provenance records. */
  readonly commit: string;
  /** Repo paths of the files the model uses. */
  readonly files: readonly string[];
  /** Files fetched by this call (empty when everything was cached). */
  readonly downloaded: readonly string[];
  readonly offline: boolean;
  /** Present when `verifyCache` was asked for. */
  readonly verified?: CacheVerification;
}

/**
 * Resolves `hf:OWNER/NAME[@REVISION][/SUBFOLDER]` to a local folder in Python huggingface_hub's cache,
 * fetching only the files the model needs (see planModelFiles: for a UNet2DModel model_index.json, config.json,
 * scheduler_config.json and one weights file; for a text-to-image pipeline each component's config and weights, the
 * tokenizer files and the scheduler config) with the official @huggingface/hub client. With HF_HUB_OFFLINE=1 nothing is requested: the
 * revision resolves through refs/ and the files must all be cached.
 */
export async function resolveHubModel(reference: string, options: ResolveHubOptions = {}): Promise<ResolvedHubModel> {
  const ref = parseHubReference(reference);
  const env = options.environment ?? readHubEnvironment();
  const problem = hubEnvironmentProblem(env);
  if (problem !== undefined) throw new HubError(reference, problem, 'environment');
  const cache = new HubRepoCache(env.cacheDir, ref.repo);
  const network = hubNetwork(env, options.signal);
  const revision = ref.revision ?? 'main';
  if (env.offline) return resolveFromCache(reference, ref, revision, cache, options, 'HF_HUB_OFFLINE is set');
  if (COMMIT_HASH.test(revision)) {
    // A commit never changes: when its snapshot holds everything, nothing needs asking (as huggingface_hub).
    const cached = await resolveFromCache(reference, ref, revision, cache, options, 'not cached').catch(() => undefined);
    if (cached) return { ...cached, offline: false };
  }

  let commit: string;
  let files: string[];
  try {
    const info = await modelInfo({
      name: ref.repo,
      revision,
      hubUrl: env.endpoint,
      additionalFields: ['sha', 'filePaths'],
      fetch: network.requestFetch,
      ...(env.token ? { accessToken: env.token } : {}),
    });
    commit = String(info.sha ?? '');
    files = info.filePaths ?? [];
    if (!COMMIT_HASH.test(commit)) throw new HubError(reference, `the hub at ${env.endpoint} returned no commit for revision '${revision}'`, 'not-found');
  } catch (error) {
    if (isNetworkError(error)) {
      const cachedCommit = await cachedCommitOf(cache, revision);
      if (cachedCommit && (await cache.snapshotFiles(cachedCommit)).length > 0) {
        options.log?.(`${reference}: ${env.endpoint} is unreachable; using the cached snapshot ${cachedCommit.slice(0, 12)}`);
        return resolveFromCache(reference, ref, revision, cache, options, `${env.endpoint} is unreachable`);
      }
      throw new HubError(
        reference,
        `cannot reach ${env.endpoint} (${(error as Error).message}); set HF_HUB_OFFLINE=1 to use the cache, which holds: ${await cache.describe()}`,
        'unreachable',
        { cause: error },
      );
    }
    throw explainApiError(reference, error, env, revision);
  }

  // The plan reads model_index.json (and a sharded checkpoint's index) first: fetched here, and counted as downloaded.
  const downloaded: string[] = [];
  const verify = options.verifyCache === true;
  const plan = await planFiles(reference, files, ref, options.variant, async (path) => {
    const info = await describeFiles(reference, cache, env, network, commit, [path]);
    if ((await ensureBlob(cache, info[0]!, commit, env, network, { verify })).downloaded) downloaded.push(path);
    await cache.linkSnapshotFile(commit, path, blobName(info[0]!));
    return parseJsonFile(reference, path, await readFile(join(cache.snapshotDir(commit), path), 'utf8'));
  });
  const needed = modelPlanPaths(plan);
  const remote = await describeFiles(reference, cache, env, network, commit, needed);
  const repaired: string[] = [];
  for (const file of remote) {
    try {
      const result = await ensureBlob(cache, file, commit, env, network, {
        verify,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        onWait: (owner) => options.log?.(`${reference}: waiting for process ${owner.pid} on ${owner.host}, which is downloading ${file.path} into the same cache`),
      });
      if (result.repairedBlob) {
        repaired.push(file.path);
        options.log?.(`${reference}: the cached ${file.path} did not match the hub's size or hash; fetched it again`);
      }
      if (result.downloaded && !downloaded.includes(file.path)) downloaded.push(file.path);
    } catch (error) {
      if (error instanceof BlobMismatchError) throw new HubError(reference, error.message, 'corrupt', { cause: error });
      if (error instanceof HubTimeoutError) throw new HubError(reference, `${error.message}; run again to resume it`, 'unreachable', { cause: error });
      if (isNetworkError(error)) {
        throw new HubError(reference, `the download of ${file.path} was interrupted (${(error as Error).message}); run again to resume it`, 'unreachable', {
          cause: error,
        });
      }
      throw explainApiError(reference, error, env, revision);
    }
    await cache.linkSnapshotFile(commit, file.path, blobName(file));
  }
  if (!COMMIT_HASH.test(revision)) await cache.writeRef(revision, commit);
  const rehashed = remote.filter((file) => !downloaded.includes(file.path) || repaired.includes(file.path));
  return {
    localPath: join(cache.snapshotDir(commit), ...(ref.subfolder ? ref.subfolder.split('/') : [])),
    reference: ref,
    revision,
    commit,
    files: needed,
    downloaded,
    offline: false,
    ...(verify ? { verified: { files: rehashed.length, bytes: rehashed.reduce((sum, file) => sum + file.size, 0), repaired } } : {}),
  };
}

async function resolveFromCache(
  reference: string,
  ref: HubReference,
  revision: string,
  cache: HubRepoCache,
  options: ResolveHubOptions,
  why: string,
): Promise<ResolvedHubModel> {
  const commit = await cachedCommitOf(cache, revision);
  if (!commit) {
    throw new HubError(reference, `${why} and revision '${revision}' of ${ref.repo} is not in the cache (${cache.repoDir}); cached: ${await cache.describe()}`, 'offline');
  }
  const files = await cache.snapshotFiles(commit);
  const snapshot = cache.snapshotDir(commit);
  let plan: ModelFilePlan;
  try {
    plan = await planModelFiles(files, {
      ...(ref.subfolder ? { subfolder: ref.subfolder } : {}),
      ...(options.variant ? { variant: options.variant } : {}),
      readJson: async (path) => parseJsonFile(reference, path, await readFile(await cache.checkedSnapshotFile(commit, path), 'utf8')),
    });
  } catch (error) {
    if (error instanceof SnapshotLinkError) throw new HubError(reference, error.message, 'corrupt', { cause: error });
    if (error instanceof ModelFilePlanError) {
      throw new HubError(reference, `${why}, and the cached snapshot ${commit.slice(0, 12)} is incomplete: ${error.message}`, 'offline', { cause: error });
    }
    throw error;
  }
  // A snapshot link whose blob is gone (a cleaned cache) is a missing file too.
  // It must also lead into the repo's blobs/: a link planted to lead out of the cache is refused, not read.
  let verified = { files: 0, bytes: 0 };
  for (const path of modelPlanPaths(plan)) {
    let pointer: string;
    try {
      pointer = await cache.checkedSnapshotFile(commit, path);
      await stat(pointer); // follows the link: a blob removed by a cache clean-up fails here
    } catch (error) {
      if (error instanceof SnapshotLinkError) throw new HubError(reference, error.message, 'corrupt', { cause: error });
      throw new HubError(reference, `${why}, and ${path} of snapshot ${commit.slice(0, 12)} is not in the cache (${snapshot})`, 'offline');
    }
    if (options.verifyCache) verified = await verifyCachedFile(reference, path, pointer, verified, options.log);
  }
  return {
    localPath: join(snapshot, ...(ref.subfolder ? ref.subfolder.split('/') : [])),
    reference: ref,
    revision,
    commit,
    files: modelPlanPaths(plan),
    downloaded: [],
    offline: true,
    ...(options.verifyCache ? { verified: { ...verified, repaired: [] } } : {}),
  };
}

/**
 * Re-hashes the blob a cached snapshot file leads to against the blob's name. A mismatch cannot be repaired without
 * the hub: it is a 'corrupt' HubError naming the file and the blob. A file that is no blob (a regular file inside the
 * snapshot) has no hash to check against, which is logged.
 */
async function verifyCachedFile(
  reference: string,
  path: string,
  pointer: string,
  sofar: { readonly files: number; readonly bytes: number },
  log?: (line: string) => void,
): Promise<{ readonly files: number; readonly bytes: number }> {
  const blob = await realpath(pointer);
  const result = await verifyBlob(blob, basename(blob));
  if (result === undefined) {
    log?.(`${reference}: ${path} is not stored as a blob named by its hash (${blob}); it cannot be verified`);
    return sofar;
  }
  if (!result.matches) {
    throw new HubError(
      reference,
      `the cached ${path} (${blob}) does not match its hash: its content hashes to ${result.digest}; run online to fetch it again, or delete the blob`,
      'corrupt',
    );
  }
  return { files: sofar.files + 1, bytes: sofar.bytes + result.bytes };
}

async function planFiles(
  reference: string,
  files: readonly string[],
  ref: HubReference,
  variant: string | undefined,
  readJson: (path: string) => Promise<unknown>,
): Promise<ModelFilePlan> {
  try {
    return await planModelFiles(files, { ...(ref.subfolder ? { subfolder: ref.subfolder } : {}), ...(variant ? { variant } : {}), readJson });
  } catch (error) {
    if (error instanceof ModelFilePlanError) throw new HubError(reference, error.message, 'not-a-unet', { cause: error });
    throw error;
  }
}

async function describeFiles(reference: string, cache: HubRepoCache, env: HubEnvironment, network: HubNetwork, commit: string, paths: readonly string[]): Promise<RemoteFile[]> {
  const infos = await pathsInfo({
    fetch: network.requestFetch,
    repo: { type: 'model', name: cache.repo },
    paths: [...paths],
    revision: commit,
    expand: true,
    hubUrl: env.endpoint,
    ...(env.token ? { accessToken: env.token } : {}),
  });
  return paths.map((path) => {
    const info = infos.find((i) => i.path === path);
    if (!info || info.oid === undefined) throw new HubError(reference, `the hub lists no ${path} at ${commit}`, 'not-found');
    return { path, size: info.lfs?.size ?? info.size, gitOid: info.oid, ...(info.lfs ? { sha256: info.lfs.oid } : {}) };
  });
}

async function cachedCommitOf(cache: HubRepoCache, revision: string): Promise<string | undefined> {
  return COMMIT_HASH.test(revision) ? revision : cache.readRef(revision);
}

function explainApiError(reference: string, error: unknown, env: HubEnvironment, revision: string): Error {
  if (error instanceof HubError) return error;
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      const token = env.token ? 'the token in HF_TOKEN was refused' : 'no token was sent';
      return new HubError(reference, `no access (HTTP ${error.statusCode}): the repo is gated or private and ${token}; set HF_TOKEN to a token with access`, 'no-access', {
        cause: error,
      });
    }
    if (error.statusCode === 404) {
      return new HubError(reference, `no model repo ${parseHubReference(reference).repo} with revision '${revision}' at ${env.endpoint} (HTTP 404)`, 'not-found', { cause: error });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** fetch() failing to connect (ECONNREFUSED, DNS, reset) or to answer in time, as opposed to an HTTP answer. */
function isNetworkError(error: unknown): boolean {
  if (error instanceof HubTimeoutError) return true;
  if (!(error instanceof Error)) return typeof error === 'string' && /terminated|socket|ECONN|fetch failed/i.test(error);
  if (error instanceof HubApiError || error instanceof HubError) return false;
  const cause = (error as { cause?: { code?: string } }).cause;
  return error.name === 'TypeError' && /fetch failed/i.test(error.message) || /terminated|ECONN|socket|other side closed/i.test(`${error.message} ${cause?.code ?? ''}`);
}

/** A JSON file of the repo that the plan reads (model_index.json, a sharded index): one that does not parse is named. */
function parseJsonFile(reference: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HubError(reference, `${path} is not valid JSON (${(error as Error).message.slice(0, 200)})`, 'corrupt', { cause: error });
  }
}
