/**
 * FID on the eight cases of the shared fid-inception reference (fixtures/fid-kid/cases.json; its README,
 * "Tolerance rule"): within 1e-9 · (tr Σ1 + tr Σ2) of the exact float64 value (the rule allows 1e-6 ·; the tools
 * themselves are within 1e-7 ·). n2000, n3000 and mixed500x2000 take 20 s each on two cores: they are checked by
 * bench/fid-reference-cases.ts (pnpm --filter @denoise/metrics bench:cases), the other five here.
 * KID: kid-reference-cases.test.ts.
 */
import { readFileSync } from 'node:fs';
import { parseNpy } from '@denoise/image';
import { describe, expect, it } from 'vitest';
import { frechetDistance, frechetDistanceTo } from '../src/index.js';
import { FIXTURES } from './fixtures.js';
import { CASES, features, NAMES, readNpz, setStatistics } from './reference-cases.js';
import { sha256LeF32, SYNTHETIC_DIM as DIM } from './synthetic-feature-sets.js';

/** Too slow for CI (dim 2048 with 2000 or 3000 rows): bench/fid-reference-cases.ts. */
const BENCH_ONLY = ['n2000', 'n3000', 'mixed500x2000'];

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
  it.each(NAMES.filter((name) => !BENCH_ONLY.includes(name)))('%s: within 1e-9 · (tr Σ1 + tr Σ2) of the exact value', { timeout: 60_000 }, (name) => {
    const c = CASES[name]!;
    const s1 = setStatistics(c.set1);
    const s2 = setStatistics(c.set2);
    const exact = c.fid_exact_f64;
    const bound = 1e-9 * (exact.trace1 + exact.trace2);
    expect(Math.abs(frechetDistance(s1.mean, s1.cov, s2.mean, s2.cov, DIM) - exact.fid)).toBeLessThanOrEqual(bound);
  });

  it('sparse500 against pytorch-fid\'s stats file of S500 (save_fid_stats)', { timeout: 60_000 }, () => {
    const c = CASES['sparse500']!;
    const stored = readNpz('fid-stats/S500_stats.npz');
    const b500 = setStatistics(c.set2);
    const fid = frechetDistanceTo(stored.get('mu')!.data as Float64Array, stored.get('sigma')!.data as Float64Array, DIM)(b500.mean, b500.cov);
    expect(Math.abs(fid - 863.3647970505167)).toBeLessThanOrEqual(1e-9 * (c.fid_exact_f64.trace1 + c.fid_exact_f64.trace2));
  });
});
