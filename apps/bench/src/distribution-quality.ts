import { featureStatistics, frechetDistance, kernelInceptionDistance } from '@denoise/metrics';
import type { FidReference } from './fid/fid-reference.js';

export interface DistributionQuality {
  readonly samples: number;
  readonly fid: number;
  /** null when the reference has no features (a μ/Σ statistics file). */
  readonly kid: number | null;
  /** Spread of the per-subset estimates (as torch-fidelity reports it); subsets overlap, so std/√subsets would understate the error. */
  readonly kidStd: number | null;
  /** Samples per predicted class (argmax of the classifier's logits): mode coverage; empty for an extractor without logits. */
  readonly classCounts: readonly number[];
}

/** FID against the reference's statistics, KID against its features (when it has them), and the predicted-class histogram. */
export function distributionQuality(features: Float32Array, logits: Float32Array, count: number, reference: FidReference): DistributionQuality {
  const dim = reference.featureDim;
  const stats = featureStatistics(features, count, dim);
  const fid = frechetDistance(stats.mean, stats.cov, reference.mean, reference.cov, dim);
  const kid = reference.kid ? kernelInceptionDistance(features, count, reference.kid.features, reference.kid.count, dim) : undefined;
  const classes = logits.length / count;
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count && classes > 0; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
    classCounts[best]!++;
  }
  return { samples: count, fid, kid: kid?.kid ?? null, kidStd: kid?.std ?? null, classCounts };
}
