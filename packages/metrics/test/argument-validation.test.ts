import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, kernelInceptionDistance, symmetricEigen } from '../src/index.js';

const eye2 = Float64Array.from([1, 0, 0, 1]);
const zero2 = new Float64Array(2);
const four = new Float64Array(8).map((_, i) => i * 0.1);

describe('argument validation', () => {
  it('frechetDistance names the argument whose length does not match dim', () => {
    expect(() => frechetDistance(new Float64Array(3), eye2, zero2, eye2, 2)).toThrow(/mu1 has 3 values/);
    expect(() => frechetDistance(zero2, eye2, zero2, new Float64Array(3), 2)).toThrow(RangeError);
    expect(() => frechetDistance(zero2, eye2, zero2, new Float64Array(3), 2)).toThrow(/cov2 has 3 values, expected dim \* dim = 4/);
  });

  it('frechetDistance rejects non-finite values and a covariance that is not PSD', () => {
    expect(() => frechetDistance(Float64Array.from([0, NaN]), eye2, zero2, eye2, 2)).toThrow(/mu1\[1\] is NaN/);
    expect(() => frechetDistance(zero2, eye2, zero2, Float64Array.from([1, 0, 0, Infinity]), 2)).toThrow(/cov2\[3\]/);
    expect(() => frechetDistance(zero2, Float64Array.from([1, 0, 0, -1]), zero2, eye2, 2)).toThrow(
      /cov1 is not positive semi-definite/,
    );
    expect(() => frechetDistance(zero2, eye2, zero2, eye2, 0)).toThrow(/dim must be an integer >= 1/);
  });

  it('featureStatistics checks n, dim and the feature count', () => {
    expect(() => featureStatistics(four, 4, 3)).toThrow(/features has 8 values, expected n \* dim = 12/);
    expect(() => featureStatistics(four, 1, 8)).toThrow(/n must be an integer >= 2/);
    expect(() => featureStatistics(Float32Array.from([1, 2, NaN, 4]), 2, 2)).toThrow(/features\[2\] is NaN/);
  });

  it('kernelInceptionDistance checks x, y and every option by name', () => {
    expect(() => kernelInceptionDistance(four, 4, four, 3, 2)).toThrow(/y has 8 values, expected ny \* dim = 6/);
    expect(() => kernelInceptionDistance(four, 3, four, 4, 2)).toThrow(/x has 8 values/);
    const bad = Float64Array.from([0, 1, Infinity, 3, 4, 5, 6, 7]);
    expect(() => kernelInceptionDistance(four, 4, bad, 4, 2)).toThrow(/y\[2\] is Infinity/);
    expect(() => kernelInceptionDistance(four, 4, four, 4, 2, { subsetSize: 5 })).toThrow(
      /options.subsetSize 5 exceeds min\(nx, ny\) = 4/,
    );
    expect(() => kernelInceptionDistance(four, 4, four, 4, 2, { subsets: 0 })).toThrow(/options.subsets/);
    expect(() => kernelInceptionDistance(four, 4, four, 4, 2, { seed: -1 })).toThrow(/options.seed/);
    expect(() => kernelInceptionDistance(four, 4, four, 4, 2, { seed: 2 ** 32 })).toThrow(/uint32/);
    const unknown = { subset: 3 } as unknown as { subsets: number };
    expect(() => kernelInceptionDistance(four, 4, four, 4, 2, unknown)).toThrow(/unknown option "subset"/);
  });

  it('symmetricEigen checks the matrix size', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/a has 5 values, expected n \* n = 4/);
  });
});
