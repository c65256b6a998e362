/**
 * FID against one fixed reference Gaussian N(μ₂, Σ₂), prepared once (a pytorch-fid stats file; the bootstrap's
 * many resamples):
 *
 *   d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½
 *
 * Preparing factors the reference, Pᵀ Σ₂ P = L Lᵀ (pivoted Cholesky, L n × r with r the numerical rank). Σ₁Σ₂ is
 * similar to Lᵀ Pᵀ Σ₁ P L, an r × r symmetric positive semi-definite matrix, so tr (Σ₁Σ₂)^½ is the sum of the
 * square roots of its eigenvalues: no eigenvectors, no matrix square root, no SVD. Each call is two packed
 * products (Σ₁'s permutation times L, then Lᵀ times that) and one eigenvalues-only decomposition.
 *
 * Accuracy on rank-deficient covariances (fewer samples than dimensions): the factor stops at the reference's
 * rank, so its null space adds nothing, and eigenvalues of LᵀΣ₁L up to r·ε·λmax (the backward error of the
 * eigensolver, where Σ₁'s null space lands) are taken as 0, as numpy's matrix_rank does: their square roots
 * would be √ε-sized noise, summed over hundreds of directions (the ~4e-8·(tr Σ₁ + tr Σ₂) low bias of scipy's
 * sqrtm and numpy's eigvals on the fid-inception cases). On those eight cases the result is within 3.1e-12 ·
 * (tr Σ₁ + tr Σ₂) of the exact value (the nuclear norm of the centred cross-Gram matrix): n2000; the others
 * 2e-16 … 5e-14 (bench/fid-reference-cases.ts).
 */
import { checkCount, checkFinite } from './argument-checks.js';
import { transposedProduct } from './packed-product.js';
import { singularValues } from './singular-values.js';
import { pivotedCholesky } from './pivoted-cholesky.js';
import { symmetricEigenvaluesInPlace } from './symmetric-eigenvalues.js';

export type FrechetToReference = (mean: Float64Array, cov: Float64Array) => number;

/** An eigenvalue of LᵀΣ₁L below −NEGATIVE_TOLERANCE × the largest means Σ₁ is not a covariance. */
const NEGATIVE_TOLERANCE = 1e-4;

export function frechetDistanceTo(referenceMean: Float64Array, referenceCov: Float64Array, dim: number): FrechetToReference {
  const fn = 'frechetDistanceTo';
  checkCount(fn, 'dim', dim, 1);
  checkFinite(fn, 'referenceMean', referenceMean, dim, 'dim');
  checkFinite(fn, 'referenceCov', referenceCov, dim * dim, 'dim * dim');
  return prepareReference(fn, 'referenceCov', 'cov', referenceMean, referenceCov, dim, true);
}

/** The reference's side of a prepared distance: Pᵀ Σ₂ P = L Lᵀ, and tr Σ₂. */
export interface ReferenceFactor {
  /** order[i] is the feature that row i of L stands for (P). */
  readonly order: Int32Array;
  readonly rank: number;
  /** L, row-major dim × dim (row stride dim; columns rank … dim − 1 are 0), lower trapezoidal. */
  readonly factor: Float64Array;
  readonly trace: number;
}

export function factorReference(fn: string, referenceName: string, referenceCov: Float64Array, dim: number): ReferenceFactor {
  const { order, rank, factor } = pivotedCholesky(referenceCov, dim, fn, referenceName);
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += referenceCov[i * dim + i] as number;
  return { order, rank, factor, trace };
}

/**
 * Σ √λ over the eigenvalues of the symmetric size × size `m` (row-major; its lower triangle is read and
 * overwritten), which are those of LᵀΣ₁L (and zeros): negative beyond rounding throws, and values up to
 * rank·ε·λmax are taken as 0 (`rank` the reference's, so a smaller matrix with the same nonzero eigenvalues
 * gets the same floor).
 */
export function traceSqrtOfEigenvalues(fn: string, covName: string, m: Float64Array, size: number, rank: number): number {
  const values = symmetricEigenvaluesInPlace(m, size);
  const largest = Math.max(0, values[size - 1] as number);
  if ((values[0] as number) < -NEGATIVE_TOLERANCE * largest) {
    throw new RangeError(`${fn}: ${covName} is not positive semi-definite (eigenvalue ${values[0]} of LᵀΣL against largest ${largest}); pass a covariance matrix`);
  }
  const floor = rank * Number.EPSILON * largest;
  let traceSqrt = 0;
  for (const lambda of values) if (lambda > floor) traceSqrt += Math.sqrt(lambda);
  return traceSqrt;
}

/** The prepared distance from an already factored reference (bootstrapDistances shares one factor between paths). */
export function preparedDistance(
  fn: string,
  covName: string,
  referenceMean: Float64Array,
  reference: ReferenceFactor,
  dim: number,
  checkCalls: boolean,
): FrechetToReference {
  const { order, rank, factor } = reference;
  const permuted = new Float64Array(dim * dim);

  return (mean, cov) => {
    if (checkCalls) {
      checkFinite(fn, 'mean', mean, dim, 'dim');
      checkFinite(fn, covName, cov, dim * dim, 'dim * dim');
    }
    let traceSqrt = 0;
    if (rank > 0) {
      for (let i = 0; i < dim; i++) {
        const row = (order[i] as number) * dim;
        for (let j = 0; j < dim; j++) permuted[i * dim + j] = cov[row + (order[j] as number)] as number;
      }
      // B = (PᵀΣ₁P) L (PᵀΣ₁P is symmetric, so it serves as the Aᵀ of Aᵀ B), then M = Lᵀ B, upper triangle.
      const b = transposedProduct(permuted, dim, factor, dim, dim, dim, rank, { triangle: 'full', aShape: 'dense', bShape: 'lowerTrapezoid' });
      const m = transposedProduct(factor, dim, b, rank, dim, rank, rank, { triangle: 'upper', aShape: 'lowerTrapezoid', bShape: 'dense' });
      for (let i = 0; i < rank; i++) for (let j = 0; j < i; j++) m[i * rank + j] = m[j * rank + i] as number;
      traceSqrt = traceSqrtOfEigenvalues(fn, covName, m, rank, rank);
    }
    let d2 = reference.trace;
    for (let i = 0; i < dim; i++) {
      const diff = (mean[i] as number) - (referenceMean[i] as number);
      d2 += diff * diff + (cov[i * dim + i] as number);
    }
    // A squared distance: a rounding-level negative result (identical inputs) is reported as 0.
    return Math.max(0, d2 - 2 * traceSqrt);
  };
}

/**
 * The prepared distance; `covName` names the per-call covariance in errors. frechetDistance calls it with
 * checkCalls = false, having checked both arguments already.
 */
export function prepareReference(
  fn: string,
  referenceName: string,
  covName: string,
  referenceMean: Float64Array,
  referenceCov: Float64Array,
  dim: number,
  checkCalls: boolean,
): FrechetToReference {
  return preparedDistance(fn, covName, referenceMean, factorReference(fn, referenceName, referenceCov, dim), dim, checkCalls);
}

/**
 * tr (Σ₁Σ₂)^½ from both factors, Pᵢᵀ Σᵢ Pᵢ = Lᵢ Lᵢᵀ (ranks r₁, r₂): Σ₁Σ₂'s nonzero eigenvalues are those of KᵀK with
 * K = L_bᵀ P_bᵀ P_s L_s (r_b × r_s; b the factor of larger rank, s the smaller), the rows of L_s put in L_b's
 * order. dim·r₁·r₂ + r_s²·r_b/2 multiply-adds against the one-factor path's dim²·r₂: the two-sided
 * frechetDistance takes it when either covariance is rank-deficient (fewer samples than dimensions).
 */
/**
 * Up to this rank, the two-factor trace takes singular values (one-sided Jacobi, O(rank²·rank') per sweep); above
 * it, eigenvalues (faster, less accurate for the smallest values).
 */
export const ACCURATE_RANK = 256;

export function traceSqrtFromFactors(fn: string, covName: string, first: ReferenceFactor, second: ReferenceFactor, dim: number): number {
  const [big, small] = first.rank >= second.rank ? [first, second] : [second, first];
  const [rb, rs] = [big.rank, small.rank];
  if (rs === 0) return 0;
  const position = new Int32Array(dim);
  for (let i = 0; i < dim; i++) position[small.order[i] as number] = i;
  const aligned = new Float64Array(dim * rs); // row i: L_s's row for the feature big.order[i]
  for (let i = 0; i < dim; i++) {
    const from = (position[big.order[i] as number] as number) * dim;
    aligned.set(small.factor.subarray(from, from + rs), i * rs);
  }
  const k = transposedProduct(big.factor, dim, aligned, rs, dim, rb, rs, { triangle: 'full', aShape: 'lowerTrapezoid', bShape: 'dense' });
  if (rs <= ACCURATE_RANK) {
    // tr (Σ₁Σ₂)^½ = Σ σᵢ(K), K = L_bᵀ P L_s: singular values keep the accuracy of small ones, which the square roots
    // of KᵀK's eigenvalues lose (their rounding is ε·σmax², so √ of it is √ε·σmax per value): near-identical sets
    // with an ill-conditioned Σ (FID ≈ 0) would be off by ~1e-6 absolute.
    const kt = new Float64Array(rs * rb);
    for (let i = 0; i < rb; i++) for (let j = 0; j < rs; j++) kt[j * rb + i] = k[i * rs + j] as number;
    let sum = 0;
    for (const sigma of singularValues(kt, rs, rb)) sum += sigma;
    return sum;
  }
  const m = transposedProduct(k, rs, k, rs, rb, rs, rs, { triangle: 'upper', aShape: 'dense', bShape: 'dense' });
  for (let i = 0; i < rs; i++) for (let j = 0; j < i; j++) m[i * rs + j] = m[j * rs + i] as number;
  return traceSqrtOfEigenvalues(fn, covName, m, rs, Math.max(rb, rs));
}
