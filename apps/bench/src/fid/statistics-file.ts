import { readFile } from 'node:fs/promises';
import { featureStatistics } from '@denoise/metrics';
import { NpzFormatError, parseNpy, parseNpz, serializeNpz, writeFileAtomic, type NpyArray } from '@denoise/image';
import { BenchInputError } from '../bench-input-error.js';

/** A Gaussian summary of a feature set, as pytorch-fid's `.npz` stores it: μ [dim] and Σ [dim, dim], float64. */
export interface GaussianStatistics {
  readonly dim: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** Row-major features [count, dim]. */
export interface FeatureSet {
  readonly count: number;
  readonly dim: number;
  readonly features: Float32Array;
}

/**
 * What a statistics file holds. pytorch-fid's `save_fid_stats` and clean-fid's reference statistics write `mu` and
 * `sigma`; clean-fid's KID references write `feats` (the features themselves). Either or both may be present.
 */
export interface StatisticsFile {
  readonly path: string;
  readonly statistics?: GaussianStatistics;
  readonly features?: FeatureSet;
}

/** Reads an `.npz` of `mu` + `sigma` and/or `feats`, checking dtypes, shapes and finiteness, naming the file and key. */
export async function readStatisticsFile(path: string): Promise<StatisticsFile> {
  let arrays: Map<string, NpyArray>;
  try {
    arrays = parseNpz(await readFile(path), path);
  } catch (error) {
    if (error instanceof NpzFormatError) throw new BenchInputError(error.message);
    throw new BenchInputError(`${path}: cannot read statistics (${(error as Error).message})`);
  }
  const mu = arrays.get('mu');
  const sigma = arrays.get('sigma');
  const feats = arrays.get('feats');
  if (!feats && (!mu || !sigma)) {
    throw new BenchInputError(`${path}: holds ${[...arrays.keys()].map((k) => `'${k}'`).join(', ') || 'no arrays'}; a statistics file has 'mu' and 'sigma' (pytorch-fid, clean-fid) or 'feats' (clean-fid's KID reference)`);
  }
  let statistics: GaussianStatistics | undefined;
  if (mu && sigma) {
    if (mu.shape.length !== 1) throw new BenchInputError(`${path}: 'mu' has shape [${mu.shape.join(', ')}], expected [dim]`);
    const dim = mu.shape[0]!;
    if (sigma.shape.length !== 2 || sigma.shape[0] !== dim || sigma.shape[1] !== dim) {
      throw new BenchInputError(`${path}: 'sigma' has shape [${sigma.shape.join(', ')}], expected [${dim}, ${dim}] to match 'mu'`);
    }
    statistics = { dim, mean: floats64(path, 'mu', mu), cov: floats64(path, 'sigma', sigma) };
  }
  let features: FeatureSet | undefined;
  if (feats) features = featureSetOf(path, 'feats', feats);
  if (statistics && features && statistics.dim !== features.dim) {
    throw new BenchInputError(`${path}: 'feats' are ${features.dim}-d but 'mu' is ${statistics.dim}-d`);
  }
  return { path, ...(statistics ? { statistics } : {}), ...(features ? { features } : {}) };
}

/** Reads a features `.npy`: float32 or float64 [count, dim], count ≥ 2. */
export async function readFeaturesFile(path: string): Promise<FeatureSet> {
  let array: NpyArray;
  try {
    array = parseNpy(await readFile(path), path);
  } catch (error) {
    throw new BenchInputError(`${path}: cannot read features (${(error as Error).message})`);
  }
  return featureSetOf(path, 'the array', array);
}

/** The statistics of a file or of features: the file's μ/Σ if it has them, else those of its features (n − 1, as numpy.cov). */
export function statisticsOf(source: StatisticsFile | FeatureSet): GaussianStatistics {
  if ('path' in source) {
    if (source.statistics) return source.statistics;
    return statisticsOf(source.features!);
  }
  const { mean, cov } = featureStatistics(source.features, source.count, source.dim);
  return { dim: source.dim, mean, cov };
}

/**
 * Writes μ and Σ as pytorch-fid's `save_fid_stats` does (`np.savez_compressed(path, mu=mu, sigma=sigma)`), and the
 * features as `feats` when given (clean-fid's KID reference key), atomically.
 */
export async function writeStatisticsFile(path: string, statistics: GaussianStatistics, features?: FeatureSet): Promise<void> {
  const { dim, mean, cov } = statistics;
  const bytes = serializeNpz(
    {
      mu: { dtype: 'float64', shape: [dim], data: mean },
      sigma: { dtype: 'float64', shape: [dim, dim], data: cov },
      ...(features ? { feats: { dtype: 'float32', shape: [features.count, features.dim], data: features.features } } : {}),
    },
    { compress: true },
  );
  await writeFileAtomic(path, bytes);
}

function featureSetOf(path: string, key: string, array: NpyArray): FeatureSet {
  if (array.shape.length !== 2) throw new BenchInputError(`${path}: ${key} has shape [${array.shape.join(', ')}], expected [count, dim]`);
  const [count, dim] = array.shape as [number, number];
  if (count < 2 || dim < 1) throw new BenchInputError(`${path}: ${key} has shape [${count}, ${dim}]; FID needs at least 2 feature vectors`);
  if (array.dtype !== 'float32' && array.dtype !== 'float64') throw new BenchInputError(`${path}: ${key} is ${array.dtype}; features are float32 or float64`);
  const features = array.dtype === 'float32' ? (array.data as Float32Array) : Float32Array.from(array.data as Float64Array);
  assertFinite(path, key, array.data as Float32Array | Float64Array);
  return { count, dim, features };
}

function floats64(path: string, key: string, array: NpyArray): Float64Array {
  if (array.dtype !== 'float64' && array.dtype !== 'float32') throw new BenchInputError(`${path}: '${key}' is ${array.dtype}; expected float64 (or float32)`);
  assertFinite(path, `'${key}'`, array.data as Float32Array | Float64Array);
  return array.dtype === 'float64' ? (array.data as Float64Array) : Float64Array.from(array.data as Float32Array);
}

function assertFinite(path: string, key: string, data: Float32Array | Float64Array): void {
  const at = data.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) throw new BenchInputError(`${path}: ${key} has a non-finite value (${data[at]}) at flat index ${at}`);
}
