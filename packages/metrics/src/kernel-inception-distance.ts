/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", section 4 and appendix D):
 * the unbiased estimator of the squared maximum mean discrepancy with the cubic polynomial kernel
 *
 *   k(a, b) = (a·b / d + 1)³
 *   MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m−1)) + Σ_{i≠j} k(y_i, y_j) / (m(m−1)) − 2 Σ_{i,j} k(x_i, y_j) / m²
 *
 * averaged over `subsets` pairs of random subsets of size m, as torch-fidelity and the paper do. Unlike
 * FID it is unbiased in the sample count, so small sample sets can be compared, and it can be negative.
 *
 * The defaults and the subsets are torch-fidelity's (`kid_features_to_metric`, 0.4.0): 100 subsets of
 * min(1000, nx, ny) vectors drawn from `numpy.random.RandomState(2020)`, per subset `choice(nx, m, replace=False)`
 * then `choice(ny, m, replace=False)`, with x = its features_1 (input1, the generated set); mean and np.std of
 * the 100 estimates. Same features, same value (fixtures/fid-inception cases).
 */
import { checkCount, checkFinite, type Features } from './argument-checks.js';
import { createSubsetMmd } from './polynomial-mmd.js';
import { NumpyRandomState } from '@denoise/schedule';

export interface KernelInceptionDistanceOptions {
  /** Number of subset pairs averaged. Default 100 (torch-fidelity's default). */
  readonly subsets?: number;
  /** Vectors per subset, at most min(nx, ny). Default min(1000, nx, ny). */
  readonly subsetSize?: number;
  /** Seed of the numpy RandomState that picks the subsets, a uint32. Default 2020 (torch-fidelity's). */
  readonly seed?: number;
}

export interface KernelInceptionDistance {
  /** Mean of the per-subset MMD² estimates. */
  readonly kid: number;
  /** Standard deviation of the per-subset estimates (ddof 0, as torch-fidelity's kid_std). */
  readonly std: number;
  /**
   * std / √subsets: the standard error of `kid` if the subsets were independent. Subsets drawn from
   * the same few thousand vectors overlap, so this understates the uncertainty of `kid` as an
   * estimate for the distributions; `std` (the spread of one subset-size estimate) is the safer error bar.
   */
  readonly standardError: number;
  readonly subsets: number;
  readonly subsetSize: number;
}

export const KID_DEFAULTS = { subsets: 100, maxSubsetSize: 1000, seed: 2020 } as const;

const OPTION_KEYS: ReadonlySet<string> = new Set(['subsets', 'subsetSize', 'seed']);

/**
 * KID between the nx row-major vectors of `x` (torch-fidelity's input1) and the ny of `y` (length dim each).
 * Subset pairs are drawn from one RandomState(seed) stream: for each subset, subsetSize indices of x, then of
 * y, each without replacement. With subsets = 1 and subsetSize = nx = ny the estimate is that of the full sets (the
 * estimator does not depend on order).
 */
export function kernelInceptionDistance(
  x: Features,
  nx: number,
  y: Features,
  ny: number,
  dim: number,
  options: KernelInceptionDistanceOptions = {},
): KernelInceptionDistance {
  const fn = 'kernelInceptionDistance';
  checkCount(fn, 'nx', nx, 2);
  checkCount(fn, 'ny', ny, 2);
  checkCount(fn, 'dim', dim, 1);
  checkFinite(fn, 'x', x, nx * dim, 'nx * dim');
  checkFinite(fn, 'y', y, ny * dim, 'ny * dim');
  const { subsets, subsetSize, seed } = resolveOptions(options, nx, ny);

  const rng = new NumpyRandomState(seed);
  const mmd = createSubsetMmd(x, nx, y, ny, dim);
  const estimates = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const ix = rng.choiceWithoutReplacement(nx, subsetSize);
    const iy = rng.choiceWithoutReplacement(ny, subsetSize);
    estimates[s] = mmd.estimate(ix, iy);
  }

  let kid = 0;
  for (const v of estimates) kid += v;
  kid /= subsets;
  let variance = 0;
  for (const v of estimates) variance += (v - kid) * (v - kid);
  const std = Math.sqrt(variance / subsets);
  return { kid, std, standardError: std / Math.sqrt(subsets), subsets, subsetSize };
}

function resolveOptions(
  options: KernelInceptionDistanceOptions,
  nx: number,
  ny: number,
): { subsets: number; subsetSize: number; seed: number } {
  const fn = 'kernelInceptionDistance';
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new RangeError(`${fn}: unknown option ${JSON.stringify(key)}; allowed: subsets, subsetSize, seed`);
    }
  }
  const subsets = options.subsets ?? KID_DEFAULTS.subsets;
  checkCount(fn, 'options.subsets', subsets, 1);
  const largest = Math.min(nx, ny);
  const subsetSize = options.subsetSize ?? Math.min(KID_DEFAULTS.maxSubsetSize, largest);
  checkCount(fn, 'options.subsetSize', subsetSize, 2);
  if (subsetSize > largest) {
    throw new RangeError(`${fn}: options.subsetSize ${subsetSize} exceeds min(nx, ny) = ${largest}`);
  }
  const seed = options.seed ?? KID_DEFAULTS.seed;
  checkCount(fn, 'options.seed', seed, 0);
  if (seed > 0xffffffff) throw new RangeError(`${fn}: options.seed must be a uint32, got ${seed}`);
  return { subsets, subsetSize, seed };
}
