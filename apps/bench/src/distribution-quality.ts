import { featureStatistics, frechetDistance, kernelInceptionDistance } from '@denoise/metrics';
import type { ReferenceStatistics } from './reference-stats.js';

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
  // torch-fidelity's KID: 100 subsets of min(1000, n1, n2) drawn from RandomState(2020), the generated set as input1.
  const kid = kernelInceptionDistance(features, count, reference.kidFeatures, reference.kidCount, dim);
  const classes = logits.length / count;
  const classCounts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k]! > logits[i * classes + best]!) best = k;
    classCounts[best]!++;
  }
  return { samples: count, fid, kid: kid.kid, kidStd: kid.std, classCounts };
}
