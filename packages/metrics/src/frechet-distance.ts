/**
 * Fréchet distance between two Gaussians N(μ1, Σ1) and N(μ2, Σ2) (Dowson & Landau 1982), which is
 * FID when the statistics come from classifier features (Heusel et al. 2017, eq. 6):
 *
 *   d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½
 *
 * pytorch-fid takes scipy.linalg.sqrtm(Σ1 Σ2), a non-symmetric product whose square root can turn
 * complex or inaccurate when the covariances are singular (fewer samples than dimensions, dead ReLU
 * features). Here both roots come from symmetric eigendecompositions: Σ1^½ = V √Λ Vᵀ, and the trace
 * term is Σ √λ over the eigenvalues of the symmetric PSD matrix Σ1^½ Σ2 Σ1^½, which has the same
 * eigenvalues as Σ1 Σ2.
 *
 * A singular covariance has zero eigenvalues that rounding turns into ±ε‖Σ‖; their square roots would
 * be ±√ε‖Σ‖ ≈ 1e-8‖Σ‖, noise far above the rest of the computation. Eigenvalues up to dim·ε·λmax,
 * the backward error of the eigensolver, are therefore taken as 0 (as numpy's matrix_rank and pinv
 * do), and so are negative ones within the PSD tolerance below.
 */
import { checkCount, checkFinite } from './argument-checks.js';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * Eigenvalues below −NEGATIVE_EIGEN_TOLERANCE × the largest |eigenvalue| mean the matrix is not a
 * covariance (not positive semi-definite) rather than rounding; that is an error. A covariance stored
 * in float32 is perturbed by about 1e-7 relative per entry, which stays well inside this bound.
 */
const NEGATIVE_EIGEN_TOLERANCE = 1e-4;

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

  const eig1 = symmetricEigen(cov1, dim);
  checkPositiveSemiDefinite(fn, 'cov1', eig1.values);
  checkPositiveSemiDefinite(fn, 'cov2', symmetricEigen(cov2, dim).values);

  // Σ1^½ = V diag(√λ) Vᵀ
  const sqrt1 = new Float64Array(dim * dim);
  const scaled = eig1.vectors.slice();
  const floor1 = rankFloor(eig1.values, dim);
  for (let j = 0; j < dim; j++) {
    const lambda = eig1.values[j] as number;
    const root = lambda > floor1 ? Math.sqrt(lambda) : 0;
    for (let i = 0; i < dim; i++) scaled[i * dim + j] = (scaled[i * dim + j] as number) * root;
  }
  multiplyTransposed(scaled, eig1.vectors, sqrt1, dim);

  // M = Σ1^½ Σ2 Σ1^½; symmetricEigen symmetrises away the rounding asymmetry.
  const tmp = new Float64Array(dim * dim);
  const m = new Float64Array(dim * dim);
  multiply(sqrt1, cov2, tmp, dim);
  multiply(tmp, sqrt1, m, dim);
  const eigM = symmetricEigen(m, dim).values;
  const floorM = rankFloor(eigM, dim);
  let traceSqrt = 0;
  for (const lambda of eigM) if (lambda > floorM) traceSqrt += Math.sqrt(lambda);

  let d2 = 0;
  for (let i = 0; i < dim; i++) {
    const diff = (mu1[i] as number) - (mu2[i] as number);
    d2 += diff * diff + (cov1[i * dim + i] as number) + (cov2[i * dim + i] as number);
  }
  // A squared distance: a rounding-level negative result (identical inputs) is reported as 0.
  return Math.max(0, d2 - 2 * traceSqrt);
}

/** Eigenvalues at or below this are rounding noise around 0: dim · ε · λmax (ascending `values`). */
function rankFloor(values: Float64Array, dim: number): number {
  return dim * Number.EPSILON * Math.max(0, values[values.length - 1] as number);
}

function checkPositiveSemiDefinite(fn: string, name: string, values: Float64Array): void {
  const smallest = values[0] as number;
  const largest = Math.max(Math.abs(smallest), Math.abs(values[values.length - 1] as number));
  if (smallest < -NEGATIVE_EIGEN_TOLERANCE * largest) {
    throw new RangeError(
      `${fn}: ${name} is not positive semi-definite (eigenvalue ${smallest} against largest ${largest}); ` +
        'pass a covariance matrix',
    );
  }
}

/** out = a b for row-major n×n matrices. */
function multiply(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + aik * (b[k * n + j] as number);
    }
  }
}

/** out = a bᵀ for row-major n×n matrices. */
function multiplyTransposed(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (b[j * n + k] as number);
      out[i * n + j] = s;
    }
  }
}
