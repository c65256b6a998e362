/**
 * KID on the eight cases of the shared fid-inception reference (fixtures/fid-kid/cases.json): within
 * 2e-6 + 1e-6 · |kid| of torch-fidelity's float64 figure where every subset is all samples; where subsets are
 * drawn, the stored subsets and the first subset's MMD². (A file of its own so that it runs beside the FID cases.)
 */
import { NumpyRandomState } from '@denoise/schedule';
import { describe, expect, it } from 'vitest';
import { kernelInceptionDistance } from '../src/index.js';
import { createSubsetMmd } from '../src/polynomial-mmd.js';
import { CASES, DRAWN, features, NAMES, readNpz } from './reference-cases.js';
import { SYNTHETIC_DIM as DIM } from './synthetic-feature-sets.js';

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
