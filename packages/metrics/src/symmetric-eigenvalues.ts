/**
 * Eigenvalues only of a real symmetric matrix: Householder tridiagonalisation of the lower triangle, row by row
 * (Golub & Van Loan 8.3.1; LAPACK dsytd2), then implicit QL without eigenvectors (symmetric-eigen.ts's tql2
 * with no vectors to rotate). The reduction is 2n³/3 multiply-adds against symmetricEigen's ~9n³ with vectors,
 * and it reads the stored triangle in row order (contiguous), which is what keeps it fast at n = 2048.
 */
import { diagonalize } from './symmetric-eigen.js';

/** Eigenvalues in ascending order of the symmetric n×n `a` (row-major; its lower triangle is read and overwritten). */
export function symmetricEigenvaluesInPlace(a: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i]: the subdiagonal entry between rows i − 1 and i (tred2's convention)
  const u = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k] as number;
    const m = n - k - 1; // the trailing block is rows/columns k + 1 … n − 1
    let norm2 = 0;
    for (let i = 0; i < m; i++) {
      const x = a[(k + 1 + i) * n + k] as number;
      u[i] = x;
      norm2 += x * x;
    }
    const x0 = u[0] as number;
    const alpha = x0 > 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    e[k + 1] = alpha;
    const uu = norm2 - x0 * alpha; // |x − α e₁|² / 2
    if (norm2 === 0 || uu === 0) {
      e[k + 1] = x0;
      continue;
    }
    u[0] = x0 - alpha;
    const tau = 1 / uu; // H = I − τ u uᵀ
    // p = τ A u over the lower triangle of the trailing block (each stored entry used for both halves).
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * n + k + 1;
      const ui = u[i] as number;
      let s = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[row + j] as number;
        s += aij * (u[j] as number);
        p[j] = (p[j] as number) + aij * ui;
      }
      p[i] = (p[i] as number) + s + (a[row + i] as number) * ui;
    }
    let up = 0;
    for (let i = 0; i < m; i++) {
      p[i] = tau * (p[i] as number);
      up += (u[i] as number) * (p[i] as number);
    }
    const half = (tau * up) / 2;
    for (let i = 0; i < m; i++) p[i] = (p[i] as number) - half * (u[i] as number); // w = p − (τ uᵀp / 2) u
    // A ← A − u wᵀ − w uᵀ on the lower triangle.
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * n + k + 1;
      const ui = u[i] as number;
      const wi = p[i] as number;
      for (let j = 0; j <= i; j++) a[row + j] = (a[row + j] as number) - ui * (p[j] as number) - wi * (u[j] as number);
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2] as number;
    e[n - 1] = a[(n - 1) * n + n - 2] as number;
  }
  d[n - 1] = a[(n - 1) * n + n - 1] as number;
  diagonalize(undefined, d, e, n);
  return d.sort();
}
