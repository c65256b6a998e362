import { describe, expect, it } from 'vitest';
import { Mulberry32, symmetricEigen } from '../src/index.js';
import { singularValues } from '../src/singular-values.js';

function randomMatrix(n: number, seed: number): Float64Array {
  const rng = new Mulberry32(seed);
  return Float64Array.from({ length: n * n }, () => rng.nextFloat() * 2 - 1);
}

const ascending = (v: Float64Array) => Array.from(v).sort((a, b) => a - b);

describe('singularValues', () => {
  it.each([1, 3, 16, 128])('equals √eig(AᵀA) for a random n×n matrix, n = %i', (n) => {
    const a = randomMatrix(n, 100 + n);
    const ata = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[k * n + i]! * a[k * n + j]!;
        ata[i * n + j] = s;
      }
    }
    const expected = ascending(symmetricEigen(ata, n).values.map((l) => Math.sqrt(Math.max(0, l))));
    const got = ascending(singularValues(a, n));
    // Compared where √eig is itself accurate: its error is about ε‖A‖² / σ.
    got.forEach((s, i) => expect(Math.abs(s - expected[i]!)).toBeLessThan(1e-9 * Math.max(1, expected[n - 1]!)));
  });

  it('gives exact zeros for zero rows and leaves its input unchanged', () => {
    const a = Float64Array.from([3, 0, 0, 0, 0, 0, 0, 0, 4]);
    const before = a.slice();
    expect(ascending(singularValues(a, 3))).toEqual([0, 3, 4]);
    expect(a).toEqual(before);
  });

  it('keeps a tiny singular value to high relative accuracy', () => {
    // diag(1, 1e-12) rotated by 30° on both sides: √eig(AᵀA) cannot resolve 1e-12 (ε‖A‖² ≈ 2e-16).
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const r = [c, -s, s, c];
    const d = [1, 0, 0, 1e-12];
    const m = (x: number[], y: number[]) => [
      x[0]! * y[0]! + x[1]! * y[2]!, x[0]! * y[1]! + x[1]! * y[3]!,
      x[2]! * y[0]! + x[3]! * y[2]!, x[2]! * y[1]! + x[3]! * y[3]!,
    ];
    const a = Float64Array.from(m(m(r, d), [c, s, -s, c]));
    const [small, large] = ascending(singularValues(a, 2));
    expect(large).toBeCloseTo(1, 14);
    expect(Math.abs(small! - 1e-12) / 1e-12).toBeLessThan(1e-3);
  });
});
