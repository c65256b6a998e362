/**
 * FID against one fixed reference Gaussian, many times (bootstrap resamples): the reference's square root is
 * computed once, and each call needs one symmetric eigendecomposition instead of two plus an SVD.
 *
 *   d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₂^½ Σ₁ Σ₂^½)^½
 *
 * tr (Σ₁Σ₂)^½ is the sum of the square roots of the eigenvalues of Σ₂^½ Σ₁ Σ₂^½, which is symmetric positive
 * semi-definite, so its eigenvalues are those square roots' squares (the same value frechetDistance takes as the
 * sum of the singular values of Σ₂^½ Σ₁^½).
 */
import { checkCount, checkFinite } from './argument-checks.js';
import { symmetricEigen } from './symmetric-eigen.js';

export type FrechetToReference = (mean: Float64Array, cov: Float64Array) => number;

export function frechetDistanceTo(referenceMean: Float64Array, referenceCov: Float64Array, dim: number): FrechetToReference {
  const fn = 'frechetDistanceTo';
  checkCount(fn, 'dim', dim, 1);
  checkFinite(fn, 'referenceMean', referenceMean, dim, 'dim');
  checkFinite(fn, 'referenceCov', referenceCov, dim * dim, 'dim * dim');
  const { values, vectors } = symmetricEigen(referenceCov, dim);
  const floor = dim * Number.EPSILON * Math.max(0, values[dim - 1] as number);
  if ((values[0] as number) < -1e-4 * Math.max(Math.abs(values[0] as number), Math.abs(values[dim - 1] as number))) {
    throw new RangeError(`${fn}: referenceCov is not positive semi-definite (eigenvalue ${values[0]})`);
  }
  const root = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const lambda = values[k] as number;
        if (lambda > floor) s += (vectors[i * dim + k] as number) * Math.sqrt(lambda) * (vectors[j * dim + k] as number);
      }
      root[i * dim + j] = s;
      root[j * dim + i] = s;
    }
  }
  let referenceTrace = 0;
  for (let i = 0; i < dim; i++) referenceTrace += referenceCov[i * dim + i] as number;
  const half = new Float64Array(dim * dim);
  const sandwich = new Float64Array(dim * dim);

  return (mean, cov) => {
    checkFinite(fn, 'mean', mean, dim, 'dim');
    checkFinite(fn, 'cov', cov, dim * dim, 'dim * dim');
    multiply(root, cov, half, dim);
    multiply(half, root, sandwich, dim);
    // Symmetrize away rounding so that the eigensolver sees an exactly symmetric matrix.
    for (let i = 0; i < dim; i++) {
      for (let j = i + 1; j < dim; j++) {
        const v = ((sandwich[i * dim + j] as number) + (sandwich[j * dim + i] as number)) / 2;
        sandwich[i * dim + j] = v;
        sandwich[j * dim + i] = v;
      }
    }
    let traceSqrt = 0;
    for (const lambda of symmetricEigen(sandwich, dim).values) if (lambda > 0) traceSqrt += Math.sqrt(lambda);
    let d2 = referenceTrace;
    for (let i = 0; i < dim; i++) {
      const diff = (mean[i] as number) - (referenceMean[i] as number);
      d2 += diff * diff + (cov[i * dim + i] as number);
    }
    return Math.max(0, d2 - 2 * traceSqrt);
  };
}

/** out = a b for row-major n×n matrices. */
function multiply(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[row + k] as number;
      if (aik === 0) continue;
      const brow = k * n;
      for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + aik * (b[brow + j] as number);
    }
  }
}
