/**
 * FID and KID on the eight cases of the shared fid-inception reference (fixtures/fid-kid/cases.json; its README,
 * "Tolerance rule"): FID within 1e-9 · (tr Σ1 + tr Σ2) of the exact float64 value (the rule allows 1e-6 ·; the tools
 * themselves are within 1e-7 ·), and KID within 2e-6 + 1e-6 · |kid| of torch-fidelity's float64 figure.
 */
import { readFileSync } from 'node:fs';
import { parseNpy, parseNpz } from '@denoise/image';
import { NumpyRandomState } from '@denoise/schedule';
import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, frechetDistanceTo, kernelInceptionDistance } from '../src/index.js';
import { createSubsetMmd } from '../src/polynomial-mmd.js';
import { FIXTURES } from './fixtures.js';
import { sha256LeF32, SYNTHETIC_DIM as DIM, syntheticSet, type SyntheticSetSpec } from './synthetic-feature-sets.js';

interface SetReference {
  name: string;
  spec: SyntheticSetSpec;
  shape: [number, number];
  sha256_le_f32: string;
}
interface ReferenceCase {
  set1: SetReference;
  set2: SetReference;
  fid_exact_f64: { fid: number; trace1: number; trace2: number };
  kid_torch_fidelity_f64: { mean: number; std: number; subset_size: number };
}

const CASES = JSON.parse(readFileSync(new URL('fid-kid/cases.json', FIXTURES), 'utf8')) as Record<string, ReferenceCase>;
const NAMES = Object.keys(CASES);
/** Cases whose subsets are drawn (m < n1 or m < n2): their subsets and per-subset MMD² are stored. */
const DRAWN = ['mixed500x2000', 'n2000', 'n3000'];

const sets = new Map<string, Float32Array>();
function features(set: SetReference): Float32Array {
  let x = sets.get(set.name);
  if (x === undefined) {
    x = syntheticSet(set.spec);
    sets.set(set.name, x);
  }
  return x;
}

function readNpz(relative: string): Map<string, { data: ArrayLike<number> }> {
  return parseNpz(readFileSync(new URL(relative, FIXTURES))) as Map<string, { data: ArrayLike<number> }>;
}

describe('the synthetic feature sets', () => {
  it('equal the stored A50.npy and B50.npy', () => {
    for (const name of ['A50', 'B50']) {
      const stored = parseNpy(readFileSync(new URL(`fid-kid/${name}.npy`, FIXTURES)));
      const set = CASES['n50']![name === 'A50' ? 'set1' : 'set2'];
      expect(stored.shape).toEqual([50, DIM]);
      expect(Array.from(features(set))).toEqual(Array.from(stored.data as Float32Array));
    }
  });

  it.each(NAMES)('of %s have the sha256 of cases.json', (name) => {
    const c = CASES[name]!;
    for (const set of [c.set1, c.set2]) expect(sha256LeF32(features(set))).toBe(set.sha256_le_f32);
  });
});

describe('FID on the reference cases', () => {
  // frechetDistance is frechetDistanceTo(μ2, Σ2) applied to (μ1, Σ1): one entry point per case covers both.
  it.each(NAMES)('%s: within 1e-9 · (tr Σ1 + tr Σ2) of the exact value', { timeout: 60_000 }, (name) => {
    const c = CASES[name]!;
    const [n1, n2] = [c.set1.shape[0], c.set2.shape[0]];
    const s1 = featureStatistics(features(c.set1), n1, DIM);
    const s2 = featureStatistics(features(c.set2), n2, DIM);
    const exact = c.fid_exact_f64;
    const bound = 1e-9 * (exact.trace1 + exact.trace2);
    expect(Math.abs(frechetDistance(s1.mean, s1.cov, s2.mean, s2.cov, DIM) - exact.fid)).toBeLessThanOrEqual(bound);
  });

  it('sparse500 against pytorch-fid\'s stats file of S500 (save_fid_stats)', { timeout: 60_000 }, () => {
    const c = CASES['sparse500']!;
    const stored = readNpz('fid-stats/S500_stats.npz');
    const b500 = featureStatistics(features(c.set2), c.set2.shape[0], DIM);
    const fid = frechetDistanceTo(stored.get('mu')!.data as Float64Array, stored.get('sigma')!.data as Float64Array, DIM)(b500.mean, b500.cov);
    expect(Math.abs(fid - 863.3647970505167)).toBeLessThanOrEqual(1e-9 * (c.fid_exact_f64.trace1 + c.fid_exact_f64.trace2));
  });
});

describe('KID on the reference cases (torch-fidelity)', () => {
  const full = NAMES.filter((name) => !DRAWN.includes(name));

  it.each(full)('%s (every subset is all samples): within 2e-6 + 1e-6 · |kid| of the float64 figure', { timeout: 60_000 }, (name) => {
    const c = CASES[name]!;
    const expected = c.kid_torch_fidelity_f64;
    const r = kernelInceptionDistance(features(c.set1), c.set1.shape[0], features(c.set2), c.set2.shape[0], DIM);
    expect(r.subsetSize).toBe(expected.subset_size);
    expect(Math.abs(r.kid - expected.mean)).toBeLessThanOrEqual(2e-6 + 1e-6 * Math.abs(expected.mean));
  });

  it.each(DRAWN)('%s: RandomState(2020) draws the stored subsets, input1 first', (name) => {
    const c = CASES[name]!;
    const stored = readNpz(`fid-kid/${name}.kid_subsets.npz`);
    const m = c.kid_torch_fidelity_f64.subset_size;
    const [idx1, idx2] = [stored.get('idx1')!.data, stored.get('idx2')!.data];
    const rng = new NumpyRandomState(2020);
    for (let s = 0; s < 100; s++) {
      expect(rng.choiceWithoutReplacement(c.set1.shape[0], m)).toEqual(Int32Array.from({ length: m }, (_, k) => idx1[s * m + k]!));
      expect(rng.choiceWithoutReplacement(c.set2.shape[0], m)).toEqual(Int32Array.from({ length: m }, (_, k) => idx2[s * m + k]!));
    }
  });

  it('mixed500x2000: the first subset\'s MMD² equals torch-fidelity\'s float64 value', { timeout: 60_000 }, () => {
    const c = CASES['mixed500x2000']!;
    const stored = readNpz('fid-kid/mixed500x2000.kid_subsets.npz');
    const rng = new NumpyRandomState(2020);
    const [n1, n2] = [c.set1.shape[0], c.set2.shape[0]];
    const mmd = createSubsetMmd(features(c.set1), n1, features(c.set2), n2, DIM, 'direct');
    const value = mmd.estimate(rng.choiceWithoutReplacement(n1, 500), rng.choiceWithoutReplacement(n2, 500));
    const expected = stored.get('mmd_f64')!.data[0]!;
    expect(Math.abs(value - expected)).toBeLessThanOrEqual(2e-6 + 1e-6 * Math.abs(expected));
  });
});
