/**
 * Mean and covariance of a set of feature vectors: the sufficient statistics of the Gaussian that FID
 * fits to each distribution (Heusel et al. 2017).
 */
import { checkCount, checkFinite, type Features } from './argument-checks.js';
import { transposedProduct } from './packed-product.js';

export interface FeatureStatistics {
  /** Length dim. */
  readonly mean: Float64Array;
  /** Row-major dim×dim, unbiased (divided by n − 1) as numpy.cov(features, rowvar=False). */
  readonly cov: Float64Array;
}

/**
 * `features` holds n row-major vectors of length dim. Accumulates in float64 around the mean (two
 * passes), which keeps the covariance accurate when the mean is large next to the spread; the sums are
 * the packed, register-blocked Xcᵀ Xc of packed-product.ts (half of it: Σ is symmetric).
 */
export function featureStatistics(features: Features, n: number, dim: number): FeatureStatistics {
  const fn = 'featureStatistics';
  checkCount(fn, 'n', n, 2);
  checkCount(fn, 'dim', dim, 1);
  checkFinite(fn, 'features', features, n * dim, 'n * dim');

  const mean = new Float64Array(dim);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < dim; i++) mean[i] = (mean[i] as number) + (features[s * dim + i] as number);
  }
  for (let i = 0; i < dim; i++) mean[i] = (mean[i] as number) / n;

  // Σ_s (x_s − μ)(x_s − μ)ᵀ as Xcᵀ Xc, upper triangle, then mirrored.
  const cov = transposedProduct(features, dim, features, dim, n, dim, dim, { triangle: 'upper', aShape: 'dense', bShape: 'dense', shift: mean });
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = (cov[i * dim + j] as number) / (n - 1);
      cov[i * dim + j] = c;
      cov[j * dim + i] = c;
    }
  }
  return { mean, cov };
}
