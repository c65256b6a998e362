import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance } from '../src/index.js';
import { METRIC_CASES, readJson, relativeError, type MetricCase } from './fixtures.js';

describe('frechetDistance', () => {
  it.each(METRIC_CASES)('matches scipy.linalg.sqrtm within 1e-6 relative on %s', (file) => {
    const c = readJson<MetricCase>(file);
    const e = c.expected;
    const fid = frechetDistance(
      Float64Array.from(e.meanX), Float64Array.from(e.covX),
      Float64Array.from(e.meanY), Float64Array.from(e.covY), c.dim,
    );
    expect(relativeError(fid, e.fid)).toBeLessThan(1e-6);
    // metrics_ref.frechet_distance_svd is our algorithm in numpy: it agrees to rounding, also for
    // singular matrices, where sqrtm itself is only good to about 1e-9 relative.
    expect(relativeError(fid, e.fidSvd)).toBeLessThan(1e-10);
  });

  it.each(METRIC_CASES)('is symmetric in its two distributions on %s', (file) => {
    const c = readJson<MetricCase>(file);
    const x = featureStatistics(Float64Array.from(c.x), c.nx, c.dim);
    const y = featureStatistics(Float64Array.from(c.y), c.ny, c.dim);
    const xy = frechetDistance(x.mean, x.cov, y.mean, y.cov, c.dim);
    const yx = frechetDistance(y.mean, y.cov, x.mean, x.cov, c.dim);
    expect(relativeError(yx, xy)).toBeLessThan(1e-10);
    expect(relativeError(xy, c.expected.fid)).toBeLessThan(1e-6);
  });

  it.each(METRIC_CASES)('is 0 up to rounding between a distribution and itself on %s', (file) => {
    const c = readJson<MetricCase>(file);
    const x = featureStatistics(Float64Array.from(c.x), c.nx, c.dim);
    let trace = 0;
    for (let i = 0; i < c.dim; i++) trace += x.cov[i * c.dim + i]!;
    const fid = frechetDistance(x.mean, x.cov, x.mean, x.cov, c.dim);
    expect(fid).toBeGreaterThanOrEqual(0);
    expect(fid).toBeLessThan(1e-9 * trace);
  });

  it('reduces to |μ1 − μ2|² + Σ(σ1 − σ2)² for diagonal covariances', () => {
    const mu1 = Float64Array.from([0, 1, 2]);
    const mu2 = Float64Array.from([1, 1, 0]);
    const cov1 = Float64Array.from([4, 0, 0, 0, 1, 0, 0, 0, 0]);
    const cov2 = Float64Array.from([1, 0, 0, 0, 9, 0, 0, 0, 0.25]);
    // 1 + 0 + 4 + (2 − 1)² + (1 − 3)² + (0 − 0.5)²
    expect(frechetDistance(mu1, cov1, mu2, cov2, 3)).toBeCloseTo(10.25, 12);
  });
});
