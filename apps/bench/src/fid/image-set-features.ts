import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFidPng, parseNpy, serializeNpy, writeFileAtomic, type Rgba8Image } from '@denoise/image';
import { denoiseCacheDir } from '@denoise/runtime';
import type { BenchLog } from '../bench-model.js';
import { BenchInputError } from '../bench-input-error.js';
import type { FeatureSpace } from './feature-space.js';
import type { FeatureSet } from './statistics-file.js';

/** Images decoded per extractor round trip (bounds memory for large folders). */
const DECODE_CHUNK = 64;

/**
 * The features of PNG files, in the order given. With `cache`, they are kept under the denoise cache by a key made of
 * the files' contents (sha256 of each, in order) and the feature space's identity, so a reference folder is featurised
 * once: renaming or moving the files keeps the key, changing a pixel or the extractor changes it.
 */
export async function featuresOfImageFiles(
  files: readonly string[],
  space: FeatureSpace,
  options: { readonly log: BenchLog; readonly cache: boolean },
): Promise<FeatureSet & { readonly contentKey: string }> {
  const { log } = options;
  const contents = createHash('sha256').update(space.identity);
  for (const file of files) contents.update(createHash('sha256').update(await readFile(file)).digest());
  const key = contents.digest('hex');
  const cached = join(denoiseCacheDir(), 'fid-features', `${key}.npy`);
  if (options.cache && existsSync(cached)) {
    const array = parseNpy(await readFile(cached), cached);
    if (array.dtype === 'float32' && array.shape[0] === files.length && array.shape[1] === space.featureDim) {
      log(`features of ${files.length} image(s): cached (${cached})`);
      return { count: files.length, dim: space.featureDim, features: array.data as Float32Array, contentKey: key };
    }
    log(`${cached}: not the features of these ${files.length} image(s); computing them again`);
  }
  const features = new Float32Array(files.length * space.featureDim);
  const started = performance.now();
  let reported = 0;
  for (let first = 0; first < files.length; first += DECODE_CHUNK) {
    const chunk = files.slice(first, first + DECODE_CHUNK);
    const images: Rgba8Image[] = [];
    for (const file of chunk) images.push(decodeFidPng(await readFile(file), file));
    features.set((await space.featuresOfPixels(images)).features, first * space.featureDim);
    const done = first + chunk.length;
    if (files.length > DECODE_CHUNK && (done - reported >= files.length / 10 || done === files.length)) {
      reported = done;
      const seconds = (performance.now() - started) / 1000;
      log(`features: ${done}/${files.length} images (${(done / seconds).toFixed(1)} images/s)`);
    }
  }
  if (options.cache) {
    await mkdir(join(denoiseCacheDir(), 'fid-features'), { recursive: true });
    await writeFileAtomic(cached, serializeNpy({ dtype: 'float32', shape: [files.length, space.featureDim], data: features }));
  }
  return { count: files.length, dim: space.featureDim, features, contentKey: key };
}

/** Refuses an empty set: FID needs two images at least (a covariance). */
export function assertEnoughImages(files: readonly string[], what: string): void {
  if (files.length < 2) throw new BenchInputError(`${what}: ${files.length} image(s); FID needs at least 2`);
}
