import { describe, expect, it } from 'vitest';
import { featureStatistics } from '../src/index.js';
import { METRIC_CASES, readJson, type MetricCase } from './fixtures.js';

describe('featureStatistics', () => {
  it.each(METRIC_CASES)('matches numpy mean and numpy.cov (n − 1) on %s', (file) => {
    const c = readJson<MetricCase>(file);
    for (const [features, n, mean, cov] of [
      [c.x, c.nx, c.expected.meanX, c.expected.covX],
      [c.y, c.ny, c.expected.meanY, c.expected.covY],
    ] as const) {
      // The fixture rows are float32 values, so both array types carry the same numbers.
      for (const input of [Float64Array.from(features), Float32Array.from(features)]) {
        const stats = featureStatistics(input, n, c.dim);
        mean.forEach((m, i) => expect(Math.abs(stats.mean[i]! - m)).toBeLessThan(1e-13));
        cov.forEach((v, i) => expect(Math.abs(stats.cov[i]! - v)).toBeLessThan(1e-13));
      }
    }
  });

  it('returns a symmetric covariance', () => {
    const c = readJson<MetricCase>(METRIC_CASES[0]!);
    const { cov } = featureStatistics(Float64Array.from(c.x), c.nx, c.dim);
    for (let i = 0; i < c.dim; i++) {
      for (let j = 0; j < c.dim; j++) expect(cov[i * c.dim + j]).toBe(cov[j * c.dim + i]);
    }
  });
});
