import { describe, expect, it } from 'vitest';
import { fsum } from '../src/exact-sum.js';

/** Python 3.11's math.fsum on CPython's own test cases (values checked with /usr/bin/python3). */
describe('fsum: the exactly rounded sum of math.fsum', () => {
  it('matches math.fsum where naive summation does not, including its half-even correction', () => {
    const cases: [number[], number][] = [
      [[2 ** 53, -0.5, -(2 ** -54)], 2 ** 53 - 1],
      [[2 ** 53, 1, 2 ** -100], 2 ** 53 + 2],
      [[2 ** 53 + 10, 1, 2 ** -100], 2 ** 53 + 12],
      [[2 ** 53 - 4, 0.5, 2 ** -54], 2 ** 53 - 3],
      [[1e16, 1, 1e-16], 10000000000000002],
      [new Array<number>(10).fill(0.1), 1],
      [[1e100, 1, -1e100, 1e-100, 1e50, -1, -1e50], 1e-100],
      [[], 0],
    ];
    for (const [values, expected] of cases) expect(fsum(values)).toBe(expected);
    expect(new Array<number>(10).fill(0.1).reduce((a, b) => a + b)).not.toBe(1);
  });

  it('sums a slice [start, end)', () => {
    expect(fsum([1e100, 0.1, 0.2, 0.3, -1e100], 1, 4)).toBe(0.6);
  });
});
