/**
 * Bootstrap distributions of FID and KID for several sets of generated features measured against one reference,
 * resampling the generated images (with replacement) and keeping the reference fixed: the intervals describe the
 * sampling noise of the generated set, which is what separates two samplers' scores.
 *
 * The sets are paired: row i of every set comes from the same starting noise (image i of a sweep, common random
 * numbers), and each resample draws one index vector for all of them, so the difference of two sets' scores in a
 * resample is a paired difference; its percentiles say whether the two differ beyond the noise.
 */
import { checkCount, checkFinite, type Features } from './argument-checks.js';
import { transposedProduct } from './packed-product.js';
import { factorReference, preparedDistance, traceSqrtOfEigenvalues, type ReferenceFactor } from './prepared-frechet.js';
import { Mulberry32 } from './mulberry32.js';

export interface BootstrapReference {
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  /** Reference features for KID (row-major kidCount × dim); without them no KID is computed (`kid` holds NaN). */
  readonly kidFeatures?: Features;
  readonly kidCount?: number;
}

/**
 * How each resample's FID is computed (both give the same value to rounding):
 *   'dense'  the weighted dim × dim covariance, then the prepared distance (dim²·m/2 + dim²·r + r³ work);
 *   'gram'   the m × m Gram matrix of the m distinct drawn rows projected once on the reference's factor
 *            (m²·r/2 + m³), see gramFid;
 *   'auto'   (default) 'gram' when m is below the reference's rank r, else 'dense'.
 */
export type BootstrapFidMethod = 'auto' | 'dense' | 'gram';

export interface BootstrapOptions {
  readonly resamples: number;
  /** Seed of the mulberry32 stream that draws the resamples. */
  readonly seed: number;
  /** Called after each resample (for progress on long runs). */
  readonly onResample?: (done: number, total: number) => void;
  readonly fidMethod?: BootstrapFidMethod;
}

export interface BootstrapDistances {
  /** Per set, the FID of every resample (length `resamples`, in resample order). */
  readonly fid: readonly Float64Array[];
  /**
   * Per set, the unbiased MMD² (KID, full generated set against the full KID reference) of every resample; NaN
   * when the reference has no kidFeatures.
   */
  readonly kid: readonly Float64Array[];
}

export function bootstrapDistances(sets: readonly Features[], n: number, dim: number, reference: BootstrapReference, options: BootstrapOptions): BootstrapDistances {
  const fn = 'bootstrapDistances';
  checkCount(fn, 'n', n, 2);
  checkCount(fn, 'dim', dim, 1);
  checkCount(fn, 'resamples', options.resamples, 1);
  sets.forEach((set, s) => checkFinite(fn, `sets[${s}]`, set, n * dim, 'n * dim'));
  checkFinite(fn, 'reference.mean', reference.mean, dim, 'dim');
  checkFinite(fn, 'reference.cov', reference.cov, dim * dim, 'dim * dim');
  const withKid = reference.kidFeatures !== undefined;
  if (withKid) {
    checkCount(fn, 'reference.kidCount', reference.kidCount ?? Number.NaN, 2);
    checkFinite(fn, 'reference.kidFeatures', reference.kidFeatures, reference.kidCount! * dim, 'kidCount * dim');
  }
  const method = options.fidMethod ?? 'auto';
  const factor = factorReference(fn, 'reference.cov', reference.cov, dim);
  const dense = preparedDistance(fn, 'cov', reference.mean, factor, dim, false);
  const prepared = sets.map((set) => prepareSet(set, n, dim, reference));
  const fid = sets.map(() => new Float64Array(options.resamples));
  const kid = sets.map(() => new Float64Array(options.resamples).fill(Number.NaN));
  const rng = new Mulberry32(options.seed);
  const counts = new Int32Array(n);
  const mean = new Float64Array(dim);
  const cov = new Float64Array(dim * dim);
  for (let r = 0; r < options.resamples; r++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[Math.floor(rng.nextFloat() * n)]!++;
    const drawn: number[] = [];
    for (let i = 0; i < n; i++) if (counts[i]! > 0) drawn.push(i);
    const gram = method === 'gram' || (method === 'auto' && drawn.length < factor.rank);
    prepared.forEach((set, s) => {
      if (gram) {
        fid[s]![r] = gramFid(set, factor, reference.mean, counts, drawn, n, dim);
      } else {
        weightedStatistics(set, counts, drawn, n, dim, mean, cov);
        fid[s]![r] = dense(mean, cov);
      }
      if (withKid) kid[s]![r] = weightedMmd(set.kid!, counts, drawn, n);
    });
    options.onResample?.(r + 1, options.resamples);
  }
  return { fid, kid };
}

/** The central `confidence` interval of bootstrap samples (percentile method, linear interpolation). */
export function percentileInterval(samples: ArrayLike<number>, confidence = 0.95): { readonly low: number; readonly high: number } {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) throw new RangeError('percentileInterval: no samples');
  const at = (q: number) => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  return { low: at((1 - confidence) / 2), high: at(1 - (1 - confidence) / 2) };
}

/**
 * The basic (reverse-percentile) bootstrap interval of a statistic whose bootstrap distribution is shifted from
 * its estimate: [2θ̂ − q_hi, 2θ̂ − q_lo]. FID is biased upward by the noise of the covariance estimate, and a
 * resample (≈ 63 % distinct images) carries that noise twice, so its percentiles sit above θ̂; reflecting them
 * about θ̂ removes the shift (Davison & Hinkley 1997, §5.2).
 */
export function basicInterval(estimate: number, samples: ArrayLike<number>, confidence = 0.95): { readonly low: number; readonly high: number } {
  const { low, high } = percentileInterval(samples, confidence);
  return { low: 2 * estimate - high, high: 2 * estimate - low };
}

interface PreparedSet {
  /** Rows minus the set's own mean, float64 (the weighted covariance is accumulated around it). */
  readonly centred: Float64Array;
  readonly setMean: Float64Array;
  /** |centred row i|², for tr Σ₁ of a resample. */
  readonly rowNorms: Float64Array;
  /** Z = centred · P L (n × rank, row-major), made on the first 'gram' resample. */
  projected?: Float64Array;
  readonly kid?: PreparedKid;
}

interface PreparedKid {
  /** k(g_i, g_j), row-major n×n. */
  readonly kernel: Float64Array;
  /** Σ_j k(g_i, r_j) / kidCount. */
  readonly crossMean: Float64Array;
  /** Σ_{i≠j} k(r_i, r_j) / (m(m − 1)), the reference's own term. */
  readonly referenceTerm: number;
}

const referenceTerms = new WeakMap<object, number>();

function prepareSet(set: Features, n: number, dim: number, reference: BootstrapReference): PreparedSet {
  const setMean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) setMean[k] = setMean[k]! + (set[i * dim + k] as number);
  for (let k = 0; k < dim; k++) setMean[k] = setMean[k]! / n;
  const centred = new Float64Array(n * dim);
  const rowNorms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const v = (set[i * dim + k] as number) - setMean[k]!;
      centred[i * dim + k] = v;
      norm += v * v;
    }
    rowNorms[i] = norm;
  }
  if (reference.kidFeatures === undefined) return { centred, setMean, rowNorms };
  const kidFeatures = reference.kidFeatures;
  const kernel = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = polynomialKernel(set, i, set, j, dim);
      kernel[i * n + j] = v;
      kernel[j * n + i] = v;
    }
  }
  const m = reference.kidCount!;
  const crossMean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += polynomialKernel(set, i, kidFeatures, j, dim);
    crossMean[i] = s / m;
  }
  let referenceTerm = referenceTerms.get(kidFeatures);
  if (referenceTerm === undefined) {
    let s = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) s += polynomialKernel(kidFeatures, i, kidFeatures, j, dim);
    referenceTerm = (2 * s) / (m * (m - 1));
    referenceTerms.set(kidFeatures, referenceTerm);
  }
  return { centred, setMean, rowNorms, kid: { kernel, crossMean, referenceTerm } };
}

/**
 * FID of a resample from the Gram matrix of its distinct rows, for m (distinct rows) below r (the reference's
 * rank). With Z = Xc P L (n × r, once per set; Xc the rows around the set's mean) and w = counts:
 *   μ₁ = μ_set + δ,  δ = Σ w_i Xc_i / n;  tr Σ₁ = (Σ w_i |Xc_i|² − n |δ|²) / (n − 1);
 *   Lᵀ Pᵀ Σ₁ P L = Z_cᵀ D Z_c / (n − 1),  Z_c = Z − 1 z̄,  z̄ = Σ w_i Z_i / n  (= δ P L: centring commutes with P L);
 * and Z_cᵀ D Z_c (r × r) has the nonzero eigenvalues of Y Yᵀ (m × m), Y = D^½ Z_c over the drawn rows. So
 * tr (Σ₁Σ₂)^½ is Σ √eig(Y Yᵀ / (n − 1)), with the dense path's floor (traceSqrtOfEigenvalues with the same r).
 */
function gramFid(set: PreparedSet, reference: ReferenceFactor, referenceMean: Float64Array, counts: Int32Array, drawn: readonly number[], n: number, dim: number): number {
  const { centred, setMean, rowNorms } = set;
  const r = reference.rank;
  const m = drawn.length;
  // |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂.
  const delta = new Float64Array(dim);
  let weightedNorms = 0;
  for (const i of drawn) {
    const w = counts[i]!;
    const row = i * dim;
    weightedNorms += w * rowNorms[i]!;
    for (let k = 0; k < dim; k++) delta[k] = delta[k]! + w * centred[row + k]!;
  }
  let deltaNorm = 0;
  let meanDistance = 0;
  for (let k = 0; k < dim; k++) {
    const d = delta[k]! / n;
    deltaNorm += d * d;
    const diff = setMean[k]! + d - (referenceMean[k] as number);
    meanDistance += diff * diff;
  }
  let d2 = meanDistance + (weightedNorms - n * deltaNorm) / (n - 1) + reference.trace;
  if (r > 0) {
    const z = (set.projected ??= project(centred, n, dim, reference));
    const zBar = new Float64Array(r);
    for (const i of drawn) {
      const w = counts[i]!;
      const row = i * r;
      for (let j = 0; j < r; j++) zBar[j] = zBar[j]! + w * z[row + j]!;
    }
    for (let j = 0; j < r; j++) zBar[j] = zBar[j]! / n;
    // Yᵀ, r × m: column c is √(w_i / (n − 1)) (Z_i − z̄) for the c-th drawn row i.
    const yt = new Float64Array(r * m);
    drawn.forEach((i, c) => {
      const scale = Math.sqrt(counts[i]! / (n - 1));
      const row = i * r;
      for (let j = 0; j < r; j++) yt[j * m + c] = scale * (z[row + j]! - zBar[j]!);
    });
    const g = transposedProduct(yt, m, yt, m, r, m, m, { triangle: 'upper', aShape: 'dense', bShape: 'dense' });
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) g[a * m + b] = g[b * m + a]!;
    d2 -= 2 * traceSqrtOfEigenvalues('bootstrapDistances', 'cov', g, m, r);
  }
  return Math.max(0, d2);
}

/** Z = Xc P L, n × rank: Aᵀ B with A = (Xc P)ᵀ (dim × n) and B = L (dim × rank, lower trapezoidal). */
function project(centred: Float64Array, n: number, dim: number, reference: ReferenceFactor): Float64Array {
  const { order, rank, factor } = reference;
  const permutedT = new Float64Array(dim * n);
  for (let k = 0; k < dim; k++) {
    const feature = order[k]!;
    const out = k * n;
    for (let i = 0; i < n; i++) permutedT[out + i] = centred[i * dim + feature]!;
  }
  return transposedProduct(permutedT, n, factor, dim, dim, n, rank, { triangle: 'full', aShape: 'dense', bShape: 'lowerTrapezoid' });
}

/** k(a, b) = (a·b / d + 1)³, the KID kernel. */
function polynomialKernel(a: Features, i: number, b: Features, j: number, dim: number): number {
  let dot = 0;
  for (let k = 0; k < dim; k++) dot += (a[i * dim + k] as number) * (b[j * dim + k] as number);
  const base = dot / dim + 1;
  return base * base * base;
}

/** Mean and unbiased covariance of the rows taken counts[i] times each (n rows in all). */
function weightedStatistics(set: PreparedSet, counts: Int32Array, drawn: readonly number[], n: number, dim: number, mean: Float64Array, cov: Float64Array): void {
  const { centred, setMean } = set;
  const shift = new Float64Array(dim);
  cov.fill(0);
  for (const i of drawn) {
    const w = counts[i]!;
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const wa = w * centred[row + a]!;
      shift[a] = shift[a]! + wa;
      const out = a * dim;
      for (let b = a; b < dim; b++) cov[out + b] = cov[out + b]! + wa * centred[row + b]!;
    }
  }
  for (let a = 0; a < dim; a++) shift[a] = shift[a]! / n;
  for (let a = 0; a < dim; a++) {
    mean[a] = setMean[a]! + shift[a]!;
    for (let b = a; b < dim; b++) {
      const v = (cov[a * dim + b]! - n * shift[a]! * shift[b]!) / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
}

/** The unbiased MMD² of the resample (pairs of distinct positions; a row drawn twice pairs with itself). */
function weightedMmd(set: PreparedKid, counts: Int32Array, drawn: readonly number[], n: number): number {
  const { kernel, crossMean, referenceTerm } = set;
  let within = 0;
  let cross = 0;
  for (const i of drawn) {
    const wi = counts[i]!;
    const row = i * n;
    let s = 0;
    for (const j of drawn) s += counts[j]! * kernel[row + j]!;
    within += wi * s - wi * kernel[row + i]!;
    cross += wi * crossMean[i]!;
  }
  return within / (n * (n - 1)) + referenceTerm - (2 * cross) / n;
}
