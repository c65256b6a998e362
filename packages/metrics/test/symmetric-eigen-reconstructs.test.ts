import { describe, expect, it } from 'vitest';
import { Mulberry32, symmetricEigen } from '../src/index.js';
import { readJson } from './fixtures.js';

interface EigenCase { name: string; n: number; a: number[]; values: number[] }

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.nextFloat() * 2 - 1;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** Largest |A − V Λ Vᵀ| entry and largest |VᵀV − I| entry. */
function residuals(a: Float64Array, n: number): { reconstruction: number; orthogonality: number } {
  const { values, vectors: v } = symmetricEigen(a, n);
  let reconstruction = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        r += v[i * n + k]! * values[k]! * v[j * n + k]!;
        o += v[k * n + i]! * v[k * n + j]!;
      }
      reconstruction = Math.max(reconstruction, Math.abs(r - a[i * n + j]!));
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction, orthogonality };
}

describe('symmetricEigen', () => {
  const cases = readJson<{ cases: EigenCase[] }>('metrics/eigen.json').cases;

  it.each(cases)('matches numpy.linalg.eigvalsh on $name', ({ n, a, values }) => {
    const result = symmetricEigen(Float64Array.from(a), n);
    values.forEach((expected, i) => expect(Math.abs(result.values[i]! - expected)).toBeLessThan(1e-12));
  });

  it.each(cases)('reconstructs $name as V Λ Vᵀ with orthonormal V', ({ n, a }) => {
    const { reconstruction, orthogonality } = residuals(Float64Array.from(a), n);
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
  });

  it.each([1, 2, 5, 64, 128])('reconstructs a random symmetric n×n matrix, n = %i', (n) => {
    const { reconstruction, orthogonality } = residuals(randomSymmetric(n, n), n);
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
  });

  it('handles the zero matrix and a diagonal one with repeated entries', () => {
    expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    const diag = Float64Array.from([2, 0, 0, 0, -1, 0, 0, 0, 2]);
    expect(Array.from(symmetricEigen(diag, 3).values)).toEqual([-1, 2, 2]);
    expect(residuals(diag, 3).reconstruction).toBe(0);
  });

  it('returns eigenvalues in ascending order', () => {
    const { values } = symmetricEigen(randomSymmetric(32, 9), 32);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  });
});
