/**
 * Singular values of a matrix by one-sided Jacobi (Hestenes 1958; Demmel & Veselić 1992):
 * rotate pairs of rows until all rows are mutually orthogonal; the row norms are then the singular
 * values. Each rotation is exactly orthogonal, so the result is backward stable with absolute error
 * about ε‖A‖ per singular value, and small singular values come out with high relative accuracy,
 * unlike square roots of the eigenvalues of AᵀA, where the rounding noise ε‖A‖² of a zero eigenvalue
 * becomes a spurious √ε‖A‖.
 *
 * Convergence is quadratic once the rows are nearly orthogonal (5 to 10 sweeps for 128 rows); sweeps
 * are bounded all the same, and a matrix that would exceed the bound (none is known) throws.
 */

const MAX_SWEEPS = 60;

/** Singular values (unsorted) of the row-major `n` × `m` matrix `a` (n ≤ m is fastest), which is not modified. */
export function singularValues(a: Float64Array, n: number, m: number): Float64Array {
  const rows = a.slice(0, n * m);
  const norms = new Float64Array(n); // squared row norms, kept current through the rotations
  for (let i = 0; i < n; i++) norms[i] = dot(rows, i, i, m);
  const tolerance = Math.max(n, m) * Number.EPSILON;
  // Rows shorter than ε‖A‖_F are numerically zero: they change no singular value by more than the
  // backward error, and rotating them against the rest only churns rounding noise, so they are left be.
  let frobenius2 = 0;
  for (const v of norms) frobenius2 += v;
  const negligible = Number.EPSILON * Number.EPSILON * frobenius2;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = norms[p] as number;
        const beta = norms[q] as number;
        if (alpha <= negligible || beta <= negligible) continue;
        // Rows orthogonal to working precision need no rotation; the threshold n·ε (as in Demmel &
        // Veselić) sits above the rounding left by a rotation, so the sweeps terminate.
        const gamma = dot(rows, p, q, m);
        if (gamma === 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // The Jacobi rotation that zeroes the (p, q) entry of the Gram matrix [[α, γ], [γ, β]].
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.hypot(1, t);
        const s = c * t;
        for (let k = 0; k < m; k++) {
          const rp = rows[p * m + k] as number;
          const rq = rows[q * m + k] as number;
          rows[p * m + k] = c * rp - s * rq;
          rows[q * m + k] = s * rp + c * rq;
        }
        norms[p] = dot(rows, p, p, m);
        norms[q] = dot(rows, q, q, m);
      }
    }
    if (!rotated) return norms.map(Math.sqrt);
  }
  throw new Error(`singularValues: one-sided Jacobi did not converge in ${MAX_SWEEPS} sweeps`);
}

function dot(a: Float64Array, i: number, j: number, m: number): number {
  let s = 0;
  for (let k = 0; k < m; k++) s += (a[i * m + k] as number) * (a[j * m + k] as number);
  return s;
}
