/**
 * Cholesky factorisation of a positive semi-definite matrix with complete (diagonal) pivoting, stopped at the
 * numerical rank (Higham, "Accuracy and Stability of Numerical Algorithms", 10.3; LAPACK dpstrf): Pᵀ A P = L Lᵀ
 * with L n × rank, lower trapezoidal. Pivoting on the largest remaining diagonal makes it stable for singular
 * matrices, and stopping when that diagonal is below n·ε·max diag (dpstrf's default) drops the null space
 * exactly instead of carrying rounding noise into it. Left-looking: column j is A's column minus the dot
 * products of the rows of L found so far (rows are contiguous, so the n³/6 multiply-adds stream memory).
 */

export interface PivotedCholesky {
  /** order[i] is the row of A that row i of L stands for (P's permutation). */
  readonly order: Int32Array;
  readonly rank: number;
  /** Row-major with row stride n (columns rank … n − 1 are 0): L[i][j] = factor[i * n + j]. */
  readonly factor: Float64Array;
}

/** The remaining diagonal may go below −NEGATIVE_TOLERANCE × max diag by rounding only; further means A is not PSD. */
const NEGATIVE_TOLERANCE = 1e-4;

/** Factors the symmetric n×n `a` (row-major; only its diagonal and, through `order`, its entries are read). */
export function pivotedCholesky(a: Float64Array, n: number, fn: string, name: string): PivotedCholesky {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const diag = new Float64Array(n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    diag[i] = a[i * n + i] as number;
    largest = Math.max(largest, Math.abs(diag[i] as number));
  }
  const tolerance = n * Number.EPSILON * largest;
  const l = new Float64Array(n * n);
  let rank = n;
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if ((diag[i] as number) > (diag[p] as number)) p = i;
    if ((diag[p] as number) <= tolerance) {
      rank = j;
      let smallest = 0;
      for (let i = j; i < n; i++) smallest = Math.min(smallest, diag[i] as number);
      if (smallest < -NEGATIVE_TOLERANCE * largest) {
        throw new RangeError(`${fn}: ${name} is not positive semi-definite (pivot ${smallest} against largest ${largest}); pass a covariance matrix`);
      }
      break;
    }
    if (p !== j) {
      [order[j], order[p]] = [order[p] as number, order[j] as number];
      [diag[j], diag[p]] = [diag[p] as number, diag[j] as number];
      for (let k = 0; k < j; k++) [l[j * n + k], l[p * n + k]] = [l[p * n + k] as number, l[j * n + k] as number];
    }
    const ljj = Math.sqrt(diag[j] as number);
    l[j * n + j] = ljj;
    const column = (order[j] as number) * n; // A is symmetric: its column order[j] is this row
    const rowJ = j * n;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s0 += (l[rowI + k] as number) * (l[rowJ + k] as number);
        s1 += (l[rowI + k + 1] as number) * (l[rowJ + k + 1] as number);
        s2 += (l[rowI + k + 2] as number) * (l[rowJ + k + 2] as number);
        s3 += (l[rowI + k + 3] as number) * (l[rowJ + k + 3] as number);
      }
      for (; k < j; k++) s0 += (l[rowI + k] as number) * (l[rowJ + k] as number);
      const lij = ((a[column + (order[i] as number)] as number) - (s0 + s1 + s2 + s3)) / ljj;
      l[rowI + j] = lij;
      diag[i] = (diag[i] as number) - lij * lij;
    }
  }
  return { order, rank, factor: l };
}
