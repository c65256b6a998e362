import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchLog } from '../bench-model.js';
import { BenchInputError } from '../bench-input-error.js';
import { loadReferenceStatistics } from '../reference-stats.js';
import type { FeatureSpace } from './feature-space.js';
import { listImageFiles } from './image-inputs.js';
import { assertEnoughImages, featuresOfImageFiles } from './image-set-features.js';
import { readStatisticsFile, statisticsOf, writeStatisticsFile } from './statistics-file.js';

/** What FID is measured against: a Gaussian (μ, Σ) and, when known, reference features for KID. */
export interface FidReference {
  readonly featureDim: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  /** Reference features for KID (row-major [kidCount, featureDim]); absent for a μ/Σ-only statistics file. */
  readonly kid?: { readonly features: Float32Array; readonly count: number };
  /** For reports: what the reference is. */
  readonly label: string;
  /** Names the reference's content: sha256 of the statistics file, or of the image folder's contents and extractor. */
  readonly sha256: string;
}

/** `--fid-reference`: a statistics file (.npz), or a folder of PNG images featurised through the run's extractor. */
export type FidReferenceSpec = { readonly kind: 'classifier-stats' | 'statistics' | 'images'; readonly path: string };

export async function loadFidReference(spec: FidReferenceSpec, space: FeatureSpace, log: BenchLog): Promise<FidReference> {
  switch (spec.kind) {
    case 'classifier-stats': {
      const stats = await loadReferenceStatistics(spec.path);
      if (stats.classifierSha256 !== space.sha256) {
        throw new BenchInputError(`${spec.path} was made with classifier ${stats.classifierSha256.slice(0, 12)}…, not ${space.spec.file} (${space.sha256.slice(0, 12)}…)`);
      }
      const digest = createHash('sha256').update(await readFile(spec.path)).digest('hex');
      return { featureDim: stats.featureDim, mean: stats.mean, cov: stats.cov, kid: { features: stats.kidFeatures, count: stats.kidCount }, label: 'the real Fashion-MNIST test set', sha256: digest };
    }
    case 'statistics': {
      const digest = createHash('sha256').update(await readFile(spec.path)).digest('hex');
      return referenceFromFile(spec.path, { label: spec.path, sha256: digest });
    }
    case 'images': {
      const files = await listImageFiles([spec.path]);
      assertEnoughImages(files, spec.path);
      const set = await featuresOfImageFiles(files, space, { log, cache: true });
      const { mean, cov } = statisticsOf(set);
      return { featureDim: set.dim, mean, cov, kid: { features: set.features, count: set.count }, label: `${spec.path} (${set.count} images)`, sha256: set.contentKey };
    }
  }
}

/** Refuses a reference of another feature dimension than the extractor's. */
export function assertReferenceFits(reference: FidReference, space: FeatureSpace): void {
  if (reference.featureDim !== space.featureDim) {
    throw new BenchInputError(`--fid-reference ${reference.label}: ${reference.featureDim}-d statistics, but the extractor's features are ${space.featureDim}-d`);
  }
}

const SHARD_REFERENCE = 'fid-reference.npz';

/**
 * Every shard folder of an FID sweep carries the reference it is scored against (μ, Σ and KID features), so that
 * `bench merge` needs neither the extractor nor the reference's source; the plan names its sha256.
 */
export async function writeShardReference(dir: string, reference: FidReference): Promise<void> {
  const { featureDim: dim, mean, cov, kid } = reference;
  await writeStatisticsFile(join(dir, SHARD_REFERENCE), { dim, mean, cov }, kid ? { count: kid.count, dim, features: kid.features } : undefined);
}

export function readShardReference(dir: string, plan: { readonly label: string; readonly sha256: string }): Promise<FidReference> {
  return referenceFromFile(join(dir, SHARD_REFERENCE), plan);
}

/** A statistics file (μ, Σ, and feats when present) as an FID reference named `label`. */
async function referenceFromFile(path: string, name: { readonly label: string; readonly sha256: string }): Promise<FidReference> {
  const file = await readStatisticsFile(path);
  const { dim, mean, cov } = statisticsOf(file);
  return { featureDim: dim, mean, cov, ...(file.features ? { kid: { features: file.features.features, count: file.features.count } } : {}), ...name };
}
