import { describe, expect, it } from 'vitest';
import { basicInterval, bootstrapDistances, featureStatistics, frechetDistance, frechetDistanceTo, Mulberry32, percentileInterval } from '../src/index.js';
import { METRIC_CASES, readJson, type MetricCase } from './fixtures.js';

const gaussian = (rng: Mulberry32, n: number, dim: number, shift: number): Float32Array => {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
    const a = 2 * Math.PI * rng.nextFloat();
    out[i] = r * Math.cos(a) + shift;
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(a) * 0.5 + shift;
  }
  return out;
};

describe('frechetDistanceTo (prepared reference)', () => {
  for (const file of METRIC_CASES) {
    it(`agrees with frechetDistance on ${file}`, () => {
      const c = readJson<MetricCase>(file);
      const x = featureStatistics(Float32Array.from(c.x), c.nx, c.dim);
      const y = featureStatistics(Float32Array.from(c.y), c.ny, c.dim);
      const direct = frechetDistance(x.mean, x.cov, y.mean, y.cov, c.dim);
      const prepared = frechetDistanceTo(y.mean, y.cov, c.dim)(x.mean, x.cov);
      // The rank-deficient case's zero eigenvalues make √ sensitive: agreement to 1e-8 relative there (4e-9 measured).
      expect(Math.abs(prepared - direct)).toBeLessThanOrEqual(1e-8 * (1 + direct));
      expect(Math.abs(prepared - c.expected.fid)).toBeLessThanOrEqual(1e-6 * (1 + c.expected.fid));
    });
  }
});

describe('bootstrapDistances', () => {
  const dim = 6;
  const n = 40;
  const rng = new Mulberry32(11);
  const reference = gaussian(rng, 300, dim, 0);
  const stats = featureStatistics(reference, 300, dim);
  const ref = { mean: stats.mean, cov: stats.cov, kidFeatures: reference, kidCount: 300 };
  const near = gaussian(rng, n, dim, 0.1);
  const far = gaussian(rng, n, dim, 1.5);

  it('resample r is the FID and unbiased MMD² of the rows it drew, computed directly', () => {
    const result = bootstrapDistances([near, far], n, dim, ref, { resamples: 3, seed: 7 });
    const draws = new Mulberry32(7);
    for (let r = 0; r < 3; r++) {
      const rows = Array.from({ length: n }, () => Math.floor(draws.nextFloat() * n));
      for (const [s, set] of [near, far].entries()) {
        const picked = new Float32Array(n * dim);
        rows.forEach((row, k) => picked.set(set.subarray(row * dim, (row + 1) * dim), k * dim));
        const st = featureStatistics(picked, n, dim);
        const fid = frechetDistance(st.mean, st.cov, stats.mean, stats.cov, dim);
        expect(Math.abs(result.fid[s]![r]! - fid)).toBeLessThanOrEqual(1e-9 * (1 + fid));
        const k = (a: Float32Array, i: number, b: Float32Array, j: number) => {
          let dot = 0;
          for (let d = 0; d < dim; d++) dot += a[i * dim + d]! * b[j * dim + d]!;
          return (dot / dim + 1) ** 3;
        };
        let xx = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) xx += k(picked, i, picked, j);
        let yy = 0;
        for (let i = 0; i < 300; i++) for (let j = 0; j < 300; j++) if (i !== j) yy += k(reference, i, reference, j);
        let xy = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < 300; j++) xy += k(picked, i, reference, j);
        const mmd = xx / (n * (n - 1)) + yy / (300 * 299) - (2 * xy) / (n * 300);
        expect(Math.abs(result.kid[s]![r]! - mmd)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(mmd)));
      }
    }
  });

  it('pairs the sets: identical sets differ by exactly 0 in every resample; a shifted set is worse in every resample', () => {
    const result = bootstrapDistances([near, Float32Array.from(near), far], n, dim, ref, { resamples: 50, seed: 1 });
    for (let r = 0; r < 50; r++) {
      expect(result.fid[0]![r]).toBe(result.fid[1]![r]);
      expect(result.fid[2]![r]!).toBeGreaterThan(result.fid[0]![r]!);
    }
    const interval = percentileInterval(result.fid[0]!);
    expect(interval.low).toBeLessThan(interval.high);
  });
});

describe('percentileInterval', () => {
  it('interpolates the 2.5th and 97.5th percentiles', () => {
    const values = Array.from({ length: 201 }, (_, i) => 200 - i); // 0 … 200, unsorted
    const { low, high } = percentileInterval(values);
    expect(low).toBeCloseTo(5, 10);
    expect(high).toBeCloseTo(195, 10);
    expect(percentileInterval([3])).toEqual({ low: 3, high: 3 });
    expect(() => percentileInterval([])).toThrow(/no samples/);
  });

  it('basicInterval reflects the percentiles about the estimate', () => {
    const values = Array.from({ length: 201 }, (_, i) => 10 + i / 10); // percentiles 10.5 and 29.5
    const { low, high } = basicInterval(12, values);
    expect(low).toBeCloseTo(2 * 12 - 29.5, 10);
    expect(high).toBeCloseTo(2 * 12 - 10.5, 10);
  });
});

describe('bootstrapDistances: the Gram (low-rank) FID path', () => {
  const dim = 64;
  const rng = new Mulberry32(23);
  /** Correlated rows: a shared low-dimensional part plus noise, some dead features. */
  const correlated = (rows: number, shift: number): Float32Array => {
    const basis = gaussian(rng, 8, dim, 0);
    const noise = gaussian(rng, rows, dim, shift);
    const coefficients = gaussian(rng, rows, 8, 0);
    const out = new Float32Array(rows * dim);
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < dim; k++) {
        let v = noise[i * dim + k]!;
        for (let b = 0; b < 8; b++) v += coefficients[i * 8 + b]! * basis[b * dim + k]!;
        out[i * dim + k] = k % 13 === 0 ? 0 : v;
      }
    }
    return out;
  };
  const fullRank = (() => {
    const x = correlated(400, 0);
    return featureStatistics(x, 400, dim);
  })();
  // 40 reference rows in 64 dimensions: a reference of rank 39, below dim (a pivoted factor that stops early).
  const lowRank = (() => {
    const x = correlated(40, 0.2);
    return featureStatistics(x, 40, dim);
  })();

  for (const [label, reference] of [['full-rank', fullRank], ['rank-39', lowRank]] as const) {
    for (const n of [20, 200]) {
      it(`equals the dense path on every resample (n ${n}, dim ${dim}, ${label} reference)`, () => {
        const sets = [correlated(n, 0.3), correlated(n, 1)];
        const ref = { mean: reference.mean, cov: reference.cov };
        const options = { resamples: 12, seed: 5 };
        const gram = bootstrapDistances(sets, n, dim, ref, { ...options, fidMethod: 'gram' });
        const dense = bootstrapDistances(sets, n, dim, ref, { ...options, fidMethod: 'dense' });
        const auto = bootstrapDistances(sets, n, dim, ref, options);
        let worst = 0;
        for (let s = 0; s < sets.length; s++) {
          for (let r = 0; r < options.resamples; r++) {
            const [a, b] = [gram.fid[s]![r]!, dense.fid[s]![r]!];
            worst = Math.max(worst, Math.abs(a - b) / b);
            expect(auto.fid[s]![r]).toBe(n < dim ? a : b); // n = 20 draws fewer distinct rows than r: Gram
            expect(Number.isNaN(gram.kid[s]![r]!)).toBe(true); // no kidFeatures: no KID
          }
        }
        expect(worst).toBeLessThanOrEqual(1e-10);
      });
    }
  }

  // Measured: worst 1.3e-13 (n 200, full-rank), 1e-15 (n 20); the all-ones resample 3e-16.
  it('on an all-ones resample equals featureStatistics + frechetDistance of the whole set', () => {
    // One resample drawing every row once: seed and n where the n draws of mulberry32 hit n distinct rows.
    const n = 8;
    const seed = findPermutationSeed(n);
    for (const reference of [fullRank, lowRank]) {
      const set = correlated(n, 0.5);
      const st = featureStatistics(set, n, dim);
      const direct = frechetDistance(st.mean, st.cov, reference.mean, reference.cov, dim);
      const gram = bootstrapDistances([set], n, dim, { mean: reference.mean, cov: reference.cov }, { resamples: 1, seed, fidMethod: 'gram' });
      expect(Math.abs(gram.fid[0]![0]! - direct)).toBeLessThanOrEqual(1e-10 * direct);
    }
  });
});

/** A seed whose first resample of n rows draws each row exactly once (counts all ones). */
function findPermutationSeed(n: number): number {
  for (let seed = 1; ; seed++) {
    const rng = new Mulberry32(seed);
    const seen = new Set<number>();
    for (let k = 0; k < n; k++) seen.add(Math.floor(rng.nextFloat() * n));
    if (seen.size === n) return seed;
  }
}
