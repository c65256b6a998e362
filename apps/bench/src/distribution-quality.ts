import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { featureStatistics, frechetDistance, kernelInceptionDistance } from '@denoise/metrics';

/** The real data's statistics in the classifier's feature space (fixtures/models/fmnist-classifier/reference-stats.json). */
export interface ReferenceStatistics {
  readonly featureDim: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  /** Features of a fixed subset of the real test set, for KID. */
  readonly kidFeatures: Float32Array;
  readonly kidCount: number;
  readonly classifierSha256: string;
}

interface RawFile {
  readonly file: string;
  readonly dtype: 'float64' | 'float32';
  readonly shape: readonly number[];
}

export async function loadReferenceStatistics(headerPath: string): Promise<ReferenceStatistics> {
  const header = JSON.parse(await readFile(headerPath, 'utf8')) as {
    format: string;
    featureDim: number;
    model: { sha256: string };
    test: { mean: RawFile; cov: RawFile };
    testKidSubset: { count: number; features: RawFile };
  };
  if (header.format !== 'denoise-feature-stats/1') {
    throw new Error(`${headerPath}: format '${header.format}', expected 'denoise-feature-stats/1'`);
  }
  const read = async (raw: RawFile): Promise<Float64Array | Float32Array> => {
    const bytes = await readFile(join(dirname(headerPath), raw.file));
    const count = raw.shape.reduce((a, b) => a * b, 1);
    const size = raw.dtype === 'float64' ? 8 : 4;
    if (bytes.length !== count * size) throw new Error(`${raw.file}: ${bytes.length} bytes, expected ${count * size} for ${raw.dtype} [${raw.shape.join(', ')}]`);
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    return raw.dtype === 'float64' ? new Float64Array(copy) : new Float32Array(copy);
  };
  return {
    featureDim: header.featureDim,
    mean: (await read(header.test.mean)) as Float64Array,
    cov: (await read(header.test.cov)) as Float64Array,
    kidFeatures: (await read(header.testKidSubset.features)) as Float32Array,
    kidCount: header.testKidSubset.count,
    classifierSha256: header.model.sha256,
  };
}

export interface DistributionQuality {
  readonly samples: number;
  readonly fid: number;
  readonly kid: number;
  /** Spread of the per-subset estimates (as torch-fidelity reports it); subsets overlap, so std/√subsets would understate the error. */
  readonly kidStd: number;
  /** Samples per predicted class (argmax of the classifier's logits): mode coverage. */
  readonly classCounts: readonly number[];
}

/** FID against the real test set's statistics, KID against its fixed subset, and the predicted-class histogram. */
export function distributionQuality(
  features: Float32Array,
  logits: Float32Array,
  count: number,
  reference: ReferenceStatistics,
): DistributionQuality {
  const dim = reference.featureDim;
  const stats = featureStatistics(features, count, dim);
  const fid = frechetDistance(stats.mean, stats.cov, reference.mean, reference.cov, dim);
  const kid = kernelInceptionDistance(features, count, reference.kidFeatures, reference.kidCount, dim, {
    subsets: 100,
    subsetSize: Math.min(count, reference.kidCount, 1000),
    seed: 0,
  });
  const classes = logits.length / count;
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
    classCounts[best]!++;
  }
  return { samples: count, fid, kid: kid.kid, kidStd: kid.std, classCounts };
}
