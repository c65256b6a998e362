import { describe, expect, it } from 'vitest';
import { kernelInceptionDistance } from '../src/index.js';
import { METRIC_CASES, readJson, relativeError, type MetricCase } from './fixtures.js';

describe('kernelInceptionDistance', () => {
  it.each(METRIC_CASES)('equals numpy unbiased MMD² on the full sets (one subset) on %s', (file) => {
    const c = readJson<MetricCase>(file);
    const e = c.expected.kidFullSets;
    for (const seed of [0, 1, 99]) {
      // A subset of size n is a permutation of the whole set, so no seed changes the figure.
      const r = kernelInceptionDistance(Float64Array.from(c.x), c.nx, Float32Array.from(c.y), c.ny, c.dim, {
        subsets: 1, subsetSize: c.nx, seed,
      });
      expect(relativeError(r.kid, e.mmd2Direct)).toBeLessThan(1e-6);
      expect(r).toMatchObject({ std: 0, standardError: 0, subsets: 1, subsetSize: c.nx });
    }
  });

  it.each(METRIC_CASES)('matches metrics_ref.py (numpy RandomState(seed).choice subsets) on %s', (file) => {
    const c = readJson<MetricCase>(file);
    const e = c.expected.kidSubsets;
    const r = kernelInceptionDistance(Float64Array.from(c.x), c.nx, Float64Array.from(c.y), c.ny, c.dim, {
      subsets: e.subsets, subsetSize: e.subsetSize, seed: e.seed,
    });
    expect(relativeError(r.kid, e.kid)).toBeLessThan(1e-6);
    expect(relativeError(r.std, e.std)).toBeLessThan(1e-6);
    expect(relativeError(r.standardError, e.standardError)).toBeLessThan(1e-6);
    expect(r.subsets).toBe(e.subsets);
  });

  it('is deterministic for a seed and defaults to subsetSize min(1000, nx, ny)', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const x = Float64Array.from(c.x);
    const y = Float64Array.from(c.y);
    const a = kernelInceptionDistance(x, c.nx, y, c.ny, c.dim, { subsets: 4, seed: 5 });
    const b = kernelInceptionDistance(x, c.nx, y, c.ny, c.dim, { subsets: 4, seed: 5 });
    expect(b).toEqual(a);
    expect(a.subsetSize).toBe(200);
  });

  it('is close to 0 for two samples of one distribution', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const half = (c.nx / 2) * c.dim;
    const first = Float64Array.from(c.x.slice(0, half));
    const second = Float64Array.from(c.x.slice(half));
    const same = kernelInceptionDistance(first, c.nx / 2, second, c.nx / 2, c.dim, { subsets: 1 });
    expect(Math.abs(same.kid)).toBeLessThan(0.1 * c.expected.kidFullSets.kid);
  });
});
