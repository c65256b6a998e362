import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { hasSyntheticCheckpoint, readJsonObject, writeSyntheticCheckpoint, writeSyntheticPipeline } from '@denoise/diffusers';
import { HubError, isHubReference, resolveHubModel, type CacheVerification, type DownloadProgress } from '@denoise/hub';
import { ModelLoadError } from './model-errors.js';

/** Where a model reference led: the local path, and for a Hub model the commit it resolved to. */
export interface ResolvedModelReference {
  readonly localPath: string;
  readonly hub?: {
    readonly repo: string;
    readonly revision: string;
    readonly commit: string;
    readonly downloaded: readonly string[];
    /** With `verifyCache`: what re-hashing the cached files found. */
    readonly verified?: CacheVerification;
  };
}

/**
 * Where `synthetic:NAME` finds published architectures: `unetConfigs` holds NAME.config.json files (UNet2DModel),
 * `pipelines` holds OWNER--NAME folders of a pipeline's configs, and `vocabulary` the CLIP tokenizer's vocab.json and
 * merges.txt that every published SD tokenizer shares.
 */
export interface SyntheticCatalog {
  readonly unetConfigs: string;
  readonly pipelines: string;
  readonly vocabulary: string;
}

export interface ResolveReferenceOptions {
  readonly variant?: string;
  readonly log?: (line: string) => void;
  readonly onDownload?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** hf: models: re-hash the cached files instead of trusting their size (see ResolveHubOptions.verifyCache). */
  readonly verifyCache?: boolean;
  /** The published architectures `synthetic:NAME` may name; without it, only `synthetic:path/to/config.json`. */
  readonly syntheticCatalog?: SyntheticCatalog;
}

const SYNTHETIC_PREFIX = 'synthetic:';

/** denoise's cache: $DENOISE_CACHE, else ~/.cache/denoise. */
export function denoiseCacheDir(): string {
  return process.env['DENOISE_CACHE'] || join(homedir(), '.cache', 'denoise');
}

/**
 * Turns a model reference into a local path. A path is returned as is. `hf:OWNER/NAME[@REVISION][/SUBFOLDER]`
 * is fetched into (or found in) Python huggingface_hub's cache (see @denoise/hub). `synthetic:NAME` (NAME a
 * published architecture of the catalog such as ddpm-celebahq-256 or stable-diffusion-v1-5, or a path to a
 * UNet2DModel config.json) is a folder with that architecture and seeded random weights, written once into the cache
 * and reused.
 */
export async function resolveModelReference(reference: string, options: ResolveReferenceOptions = {}): Promise<ResolvedModelReference> {
  if (isHubReference(reference)) {
    try {
      const resolved = await resolveHubModel(reference, {
        ...(options.variant !== undefined ? { variant: options.variant } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.onDownload ? { onProgress: options.onDownload } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.verifyCache ? { verifyCache: true } : {}),
      });
      return {
        localPath: resolved.localPath,
        hub: {
          repo: resolved.reference.repo,
          revision: resolved.revision,
          commit: resolved.commit,
          downloaded: resolved.downloaded,
          ...(resolved.verified ? { verified: resolved.verified } : {}),
        },
      };
    } catch (error) {
      if (error instanceof HubError) {
        throw new ModelLoadError(reference, error.message.replace(`${reference}: `, ''), { cause: error });
      }
      throw error;
    }
  }
  if (!reference.startsWith(SYNTHETIC_PREFIX)) return { localPath: reference };
  return { localPath: await syntheticFolder(reference, reference.slice(SYNTHETIC_PREFIX.length), options) };
}

/**
 * The cached folder of `synthetic:NAME`, written on first use: a Stable Diffusion pipeline when NAME is one of the
 * catalog's pipelines (OWNER--NAME or just NAME, e.g. stable-diffusion-v1-5), else a UNet2DModel from NAME.config.json
 * (or from a config.json path).
 */
async function syntheticFolder(reference: string, name: string, options: ResolveReferenceOptions): Promise<string> {
  const { log, syntheticCatalog: catalog } = options;
  const pipeline = catalog && !name.endsWith('.json') ? publishedPipeline(catalog.pipelines, name) : undefined;
  if (pipeline && catalog) {
    const folder = join(denoiseCacheDir(), 'synthetic', `${pipeline.replace(/^.*--/, '')}-seed0`);
    if (!(await hasSyntheticCheckpoint(folder))) {
      log?.(`writing a synthetic ${pipeline} pipeline (seeded random weights; several GB at full size) to ${folder} …`);
      const counts = await writeSyntheticPipeline(join(catalog.pipelines, pipeline), catalog.vocabulary, folder, { seed: 0, ...(log ? { log } : {}) });
      log?.(`  ${Object.entries(counts).map(([c, n]) => `${c} ${(n / 1e6).toFixed(1)} M`).join(', ')} parameters`);
    }
    return folder;
  }
  if (!name.endsWith('.json') && !catalog) {
    throw new ModelLoadError(reference, 'no catalog of published architectures here; name a UNet2DModel config.json instead (synthetic:path/to/config.json)');
  }
  const configPath = name.endsWith('.json') ? name : join(catalog!.unetConfigs, `${name}.config.json`);
  let config: Record<string, unknown>;
  try {
    config = await readJsonObject(configPath);
  } catch (error) {
    const known = catalog ? `; published: ${publishedNames(catalog).join(', ')}` : '';
    throw new ModelLoadError(reference, `no such architecture: ${(error as Error).message}${known}`, { cause: error });
  }
  const folder = join(denoiseCacheDir(), 'synthetic', `${basename(configPath).replace(/(\.config)?\.json$/, '')}-seed0`);
  if (!(await hasSyntheticCheckpoint(folder))) {
    log?.(`writing a synthetic checkpoint (seeded random weights) for ${configPath} to ${folder} …`);
    const parameters = await writeSyntheticCheckpoint(config, folder, { seed: 0 });
    log?.(`  ${(parameters / 1e6).toFixed(1)} M parameters`);
  }
  return folder;
}

/** The catalog folder of pipeline NAME (OWNER--NAME, or NAME after the owner), if it has one. */
function publishedPipeline(dir: string, name: string): string | undefined {
  const folders = listFolders(dir);
  return folders.find((f) => f === name) ?? folders.find((f) => f.replace(/^.*--/, '') === name);
}

function publishedNames(catalog: SyntheticCatalog): string[] {
  const unets = readdirSafe(catalog.unetConfigs).filter((f) => f.endsWith('.config.json')).map((f) => f.replace(/\.config\.json$/, ''));
  return [...unets, ...listFolders(catalog.pipelines).map((f) => f.replace(/^.*--/, ''))];
}

function listFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
