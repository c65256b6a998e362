import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { hasSyntheticCheckpoint, readJsonObject, writeSyntheticCheckpoint } from '@denoise/diffusers';
import { HubError, isHubReference, resolveHubModel, type DownloadProgress } from '@denoise/hub';
import { publishedConfigsPath } from '@denoise/repo-layout';
import { ModelLoadError } from './model-errors.js';

/** Where a model reference led: the local path, and for a Hub model the commit it resolved to. */
export interface ResolvedModelReference {
  readonly localPath: string;
  readonly hub?: { readonly repo: string; readonly revision: string; readonly commit: string; readonly downloaded: readonly string[] };
}

export interface ResolveReferenceOptions {
  readonly variant?: string;
  readonly log?: (line: string) => void;
  readonly onDownload?: (progress: DownloadProgress) => void;
}

const SYNTHETIC_PREFIX = 'synthetic:';

/** denoise's cache: $DENOISE_CACHE, else ~/.cache/denoise. */
export function denoiseCacheDir(): string {
  return process.env['DENOISE_CACHE'] || join(homedir(), '.cache', 'denoise');
}

/**
 * Turns a model reference into a local path. A path is returned as is. `hf:OWNER/NAME[@REVISION][/SUBFOLDER]`
 * is fetched into (or found in) Python huggingface_hub's cache (see @denoise/hub). `synthetic:NAME` (NAME a
 * published architecture such as ddpm-celebahq-256, or a path to a UNet2DModel config.json) is a folder with
 * that config and seeded random weights, written once into the cache and reused.
 */
export async function resolveModelReference(reference: string, options: ResolveReferenceOptions = {}): Promise<ResolvedModelReference> {
  if (isHubReference(reference)) {
    try {
      const resolved = await resolveHubModel(reference, {
        ...(options.variant !== undefined ? { variant: options.variant } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.onDownload ? { onProgress: options.onDownload } : {}),
      });
      return {
        localPath: resolved.localPath,
        hub: { repo: resolved.reference.repo, revision: resolved.revision, commit: resolved.commit, downloaded: resolved.downloaded },
      };
    } catch (error) {
      if (error instanceof HubError || error instanceof RangeError) {
        throw new ModelLoadError(reference, error.message.replace(`${reference}: `, ''), { cause: error });
      }
      throw error;
    }
  }
  if (!reference.startsWith(SYNTHETIC_PREFIX)) return { localPath: reference };
  const log = options.log;
  const name = reference.slice(SYNTHETIC_PREFIX.length);
  const configPath = name.endsWith('.json') ? name : join(publishedConfigsPath(), `${name}.config.json`);
  let config: Record<string, unknown>;
  try {
    config = await readJsonObject(configPath);
  } catch (error) {
    throw new ModelLoadError(reference, `no such architecture: ${(error as Error).message}; published ones are in ${publishedConfigsPath()}`, { cause: error });
  }
  const folder = join(denoiseCacheDir(), 'synthetic', `${basename(configPath).replace(/(\.config)?\.json$/, '')}-seed0`);
  if (!(await hasSyntheticCheckpoint(folder))) {
    log?.(`writing a synthetic checkpoint (seeded random weights) for ${configPath} to ${folder} …`);
    const parameters = await writeSyntheticCheckpoint(config, folder, { seed: 0 });
    log?.(`  ${(parameters / 1e6).toFixed(1)} M parameters`);
  }
  return { localPath: folder };
}
