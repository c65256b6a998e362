import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasSyntheticCheckpoint, readJsonObject, writeSyntheticCheckpoint } from '@denoise/diffusers';
import { ModelLoadError } from './model-errors.js';

const SYNTHETIC_PREFIX = 'synthetic:';

/** fixtures/diffusers-unet/published: the config.json of published hub checkpoints (no weights). */
export function publishedConfigsPath(): string {
  const root = new URL(import.meta.url.includes('/dist/') ? '../../../../' : '../../../', import.meta.url);
  return fileURLToPath(new URL('fixtures/diffusers-unet/published', root));
}

/** denoise's cache: $DENOISE_CACHE, else ~/.cache/denoise. */
export function denoiseCacheDir(): string {
  return process.env['DENOISE_CACHE'] || join(homedir(), '.cache', 'denoise');
}

/**
 * Turns a model reference into a local path. A path is returned as is. `synthetic:NAME` (NAME a published
 * architecture such as ddpm-celebahq-256, or a path to a UNet2DModel config.json) is a folder with that
 * config and seeded random weights, written once into the cache and reused.
 */
export async function resolveModelReference(reference: string, log?: (line: string) => void): Promise<string> {
  if (!reference.startsWith(SYNTHETIC_PREFIX)) return reference;
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
  return folder;
}
