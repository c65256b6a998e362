import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from '@denoise/schedule';
import { createSubsetMmd } from '../src/polynomial-mmd.js';
import { METRIC_CASES, readJson, relativeError, type MetricCase } from './fixtures.js';

describe('subset MMD²', () => {
  it('is bit-identical with cached kernel matrices and with direct evaluation', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const x = Float32Array.from(c.x);
    const y = Float64Array.from(c.y);
    const cached = createSubsetMmd(x, c.nx, y, c.ny, c.dim, 'cached');
    const direct = createSubsetMmd(x, c.nx, y, c.ny, c.dim, 'direct');
    const rng = new NumpyRandomState(11);
    for (let s = 0; s < 5; s++) {
      const ix = rng.choiceWithoutReplacement(c.nx, 40);
      const iy = rng.choiceWithoutReplacement(c.ny, 40);
      expect(cached.estimate(ix, iy)).toBe(direct.estimate(ix, iy));
    }
  });

  it('caches small sets and evaluates large ones directly by default', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const x = Float64Array.from(c.x);
    expect(createSubsetMmd(x, c.nx, x, c.nx, c.dim).evaluation).toBe('cached');
    const big = new Float32Array(3000 * 2);
    expect(createSubsetMmd(big, 3000, big, 3000, 2).evaluation).toBe('direct');
  });

  it('direct evaluation matches numpy on the full sets', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const all = Int32Array.from({ length: c.nx }, (_, i) => i);
    const direct = createSubsetMmd(Float64Array.from(c.x), c.nx, Float64Array.from(c.y), c.ny, c.dim, 'direct');
    expect(relativeError(direct.estimate(all, all), c.expected.kidFullSets.mmd2Direct)).toBeLessThan(1e-6);
  });
});
