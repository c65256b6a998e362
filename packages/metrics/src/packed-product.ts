/**
 * C = Aᵀ B for row-major A (k × m) and B (k × n): the one dense kernel behind the covariance (Xcᵀ Xc) and the
 * Fréchet distance's Lᵀ Σ L. Written for V8, which neither vectorises nor keeps arrays in registers: chunks of
 * KC rows are packed into panels of 4 columns ([row][4], contiguous), and a 4×4 register block accumulates
 * 16 sums over a chunk in locals (Goto & van de Geijn 2008, "Anatomy of high-performance matrix
 * multiplication", without the SIMD). About 2 G multiply-adds per second per core, 10–20× the naive loops.
 */

/** Rows per packed chunk: two panels of KC × 4 doubles (16 KiB) stay in L1 while the 4×4 block sums. */
const KC = 256;

export interface ProductOptions {
  /** 'upper': only C[i][j] with j ≥ i (by 4×4 blocks, so some entries below the diagonal too); for symmetric C. */
  readonly triangle: 'full' | 'upper';
  /**
   * 'lowerTrapezoid': B[r][j] = 0 for r < j (a Cholesky factor), so rows above j are skipped; likewise for A,
   * where C[i][j] only gets rows r ≥ i.
   */
  readonly aShape: 'dense' | 'lowerTrapezoid';
  readonly bShape: 'dense' | 'lowerTrapezoid';
  /** Subtracted from every row of A (and of B, which must then be A): the centring of a covariance. */
  readonly shift?: Float64Array;
}

type Matrix = Float32Array | Float64Array;

/** Rows [r0, r0 + rows) of `src` (row stride ld, `cols` used columns), minus `shift`, as 4-column panels. */
function pack(src: Matrix, ld: number, cols: number, r0: number, rows: number, shift: Float64Array | undefined, out: Float64Array): void {
  const panels = Math.ceil(cols / 4);
  for (let r = 0; r < rows; r++) {
    const row = (r0 + r) * ld;
    for (let c = 0; c < cols; c++) {
      out[(c >> 2) * rows * 4 + r * 4 + (c & 3)] = (src[row + c] as number) - (shift === undefined ? 0 : (shift[c] as number));
    }
    for (let c = cols; c < panels * 4; c++) out[(c >> 2) * rows * 4 + r * 4 + (c & 3)] = 0;
  }
}

/**
 * Returns C (m × n, row-major) = Aᵀ B, A with k rows of stride lda, B with k rows of stride ldb. When `b` is `a`
 * (same array, same columns) it is packed once.
 */
export function transposedProduct(a: Matrix, lda: number, b: Matrix, ldb: number, k: number, m: number, n: number, options: ProductOptions): Float64Array {
  const mp = Math.ceil(m / 4);
  const np = Math.ceil(n / 4);
  const same = a === b && lda === ldb && m === n;
  const c = new Float64Array(mp * 4 * np * 4); // padded to whole 4×4 blocks, cropped at the end
  const ldc = np * 4;
  const pa = new Float64Array(mp * 4 * KC);
  const pb = same ? pa : new Float64Array(np * 4 * KC);
  for (let r0 = 0; r0 < k; r0 += KC) {
    const rows = Math.min(KC, k - r0);
    const last = r0 + rows - 1;
    pack(a, lda, m, r0, rows, options.shift, pa);
    if (!same) pack(b, ldb, n, r0, rows, options.shift, pb);
    const stride = rows * 4;
    for (let I = 0; I < mp; I++) {
      if (options.aShape === 'lowerTrapezoid' && 4 * I > last) break;
      const jStart = options.triangle === 'upper' ? I : 0;
      for (let J = jStart; J < np; J++) {
        if (options.bShape === 'lowerTrapezoid' && 4 * J > last) break;
        block(pa, I * stride, pb, J * stride, rows, c, I * 4 * ldc + J * 4, ldc);
      }
    }
  }
  if (mp * 4 === m && np * 4 === n) return c;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) out.set(c.subarray(i * ldc, i * ldc + n), i * n);
  return out;
}

/** c[4×4 at off] += Σ_r pa[r][0..3]ᵀ pb[r][0..3]. */
function block(pa: Float64Array, ia: number, pb: Float64Array, ib: number, rows: number, c: Float64Array, off: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ia + rows * 4;
  for (let p = ia, q = ib; p < end; p += 4, q += 4) {
    const a0 = pa[p] as number, a1 = pa[p + 1] as number, a2 = pa[p + 2] as number, a3 = pa[p + 3] as number;
    const b0 = pb[q] as number, b1 = pb[q + 1] as number, b2 = pb[q + 2] as number, b3 = pb[q + 3] as number;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  let o = off;
  c[o] = (c[o] as number) + c00; c[o + 1] = (c[o + 1] as number) + c01; c[o + 2] = (c[o + 2] as number) + c02; c[o + 3] = (c[o + 3] as number) + c03;
  o += ldc;
  c[o] = (c[o] as number) + c10; c[o + 1] = (c[o + 1] as number) + c11; c[o + 2] = (c[o + 2] as number) + c12; c[o + 3] = (c[o + 3] as number) + c13;
  o += ldc;
  c[o] = (c[o] as number) + c20; c[o + 1] = (c[o + 1] as number) + c21; c[o + 2] = (c[o + 2] as number) + c22; c[o + 3] = (c[o + 3] as number) + c23;
  o += ldc;
  c[o] = (c[o] as number) + c30; c[o + 1] = (c[o + 1] as number) + c31; c[o + 2] = (c[o + 2] as number) + c32; c[o + 3] = (c[o + 3] as number) + c33;
}
