/**
 * Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL algorithm with Wilkinson-style shifts (Golub & Van Loan, "Matrix Computations", 8.3;
 * the EISPACK tred2/tql2 pair, whose loop structure this follows).
 *
 * Both stages are backward stable, so A = V Λ Vᵀ holds to a few ulps of ‖A‖ and V is orthogonal to
 * working precision, whatever the conditioning or rank of A. QL converges cubically for symmetric
 * tridiagonals, in one or two sweeps per eigenvalue in practice; the loop is still bounded, and a
 * matrix that would exceed the bound (none is known) throws rather than returning a partial result.
 */
import { checkCount, checkFinite } from './argument-checks.js';

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** Row-major n×n; column j (entries vectors[i * n + j]) is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

/** QL iterations allowed per eigenvalue (EISPACK uses 30). */
const MAX_QL_ITERATIONS = 60;

/**
 * Eigenvalues and eigenvectors of the symmetric n×n matrix `a` (row-major). Only symmetric input is
 * meaningful; `a` is symmetrised as (A + Aᵀ)/2 first, so rounding asymmetry does no harm.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  checkCount('symmetricEigen', 'n', n, 1);
  checkFinite('symmetricEigen', 'a', a, n * n, 'n * n');
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) v[i * n + j] = 0.5 * ((a[i * n + j] as number) + (a[j * n + i] as number));
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n);
  diagonalize(v, d, e, n);
  return sortAscending(v, d, n);
}

/**
 * Householder reduction (tred2): on return `v` holds the orthogonal transform Q, `d` the diagonal and
 * e[1..n-1] the subdiagonal of T = Qᵀ A Q. Works from the last row up, scaling each row to avoid
 * underflow/overflow in the reflector norm.
 */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j] as number;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) * (d[k] as number);
      }
      let f = d[i - 1] as number;
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        v[j * n + i] = f;
        g = (e[j] as number) + (v[j * n + j] as number) * f;
        for (let k = j + 1; k < i; k++) {
          g += (v[k * n + j] as number) * (d[k] as number);
          e[k] = (e[k] as number) + (v[k * n + j] as number) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k < i; k++) {
          v[k * n + j] = (v[k * n + j] as number) - (f * (e[k] as number) + g * (d[k] as number));
        }
        d[j] = v[(i - 1) * n + j] as number;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the reflectors into Q.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i] as number;
    v[i * n + i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (v[k * n + i + 1] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (v[k * n + i + 1] as number) * (v[k * n + j] as number);
        for (let k = 0; k <= i; k++) v[k * n + j] = (v[k * n + j] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j] as number;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e) (tql2), applying every rotation to the columns of `v`, so that
 * on return d holds the eigenvalues and v the eigenvectors of the original matrix; with no `v`, the
 * eigenvalues only (tql1), in O(n²).
 */
export function diagonalize(v: Float64Array | undefined, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element: e[n-1] = 0, so m stops at n-1 at the latest.
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n - 1 && Math.abs(e[m] as number) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) {
          throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l} in ${MAX_QL_ITERATIONS} iterations`);
        }
        // Shift from the leading 2×2 block.
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        // Implicit QL transformation: a chain of Givens rotations from m-1 up to l.
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          if (v !== undefined) for (let k = 0; k < n; k++) {
            const vk1 = v[k * n + i + 1] as number;
            const vk = v[k * n + i] as number;
            v[k * n + i + 1] = s * vk + c * vk1;
            v[k * n + i] = c * vk - s * vk1;
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
}

function sortAscending(v: Float64Array, d: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (d[i] as number) - (d[j] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = d[from] as number;
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from] as number;
  });
  return { values, vectors };
}
