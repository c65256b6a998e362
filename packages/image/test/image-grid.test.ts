import { describe, expect, it } from 'vitest';
import { makeGrid } from '../src/image-grid.js';
import type { ImageBatch } from '../src/image-types.js';

/** N images of C×H×W where every value of image k, channel c is k * 10 + c. */
function constantBatch(n: number, c: number, h: number, w: number): ImageBatch {
  const data = new Float32Array(n * c * h * w);
  for (let k = 0; k < n; k++) for (let ch = 0; ch < c; ch++) data.fill(k * 10 + ch, (k * c + ch) * h * w, (k * c + ch + 1) * h * w);
  return { data, shape: [n, c, h, w] };
}

const at = (grid: ImageBatch, c: number, y: number, x: number): number => {
  const [, , h, w] = grid.shape;
  return grid.data[(c * h + y) * w + x] as number;
};

describe('makeGrid', () => {
  it('tiles 5 images of 3×4×6 into 3 columns × 2 rows with padding outside and between', () => {
    const grid = makeGrid(constantBatch(5, 3, 4, 6), { columns: 3, padding: 1, padValue: -1 });
    expect(grid.shape).toEqual([1, 3, 2 * (4 + 1) + 1, 3 * (6 + 1) + 1]);
    // image k's top-left pixel sits at (1 + row·5, 1 + col·7)
    for (let k = 0; k < 5; k++) {
      const y = 1 + Math.floor(k / 3) * 5;
      const x = 1 + (k % 3) * 7;
      for (let c = 0; c < 3; c++) {
        expect(at(grid, c, y, x)).toBe(k * 10 + c);
        expect(at(grid, c, y + 3, x + 5)).toBe(k * 10 + c); // bottom-right pixel
      }
    }
    expect(at(grid, 0, 0, 0)).toBe(-1); // outer border
    expect(at(grid, 2, 1, 7)).toBe(-1); // gap between columns 0 and 1
    expect(at(grid, 1, 7, 16)).toBe(-1); // empty sixth cell
  });

  it('defaults to a square-ish grid (⌈√N⌉ columns), padding 2 and white padding', () => {
    const grid = makeGrid(constantBatch(10, 1, 2, 2));
    expect(grid.shape).toEqual([1, 1, 3 * 4 + 2, 4 * 4 + 2]);
    expect(at(grid, 0, 0, 0)).toBe(1);
  });

  it('does not make more columns than images', () => {
    expect(makeGrid(constantBatch(2, 1, 2, 2), { columns: 8, padding: 0 }).shape).toEqual([1, 1, 2, 4]);
  });

  it('rejects bad options, naming them', () => {
    const batch = constantBatch(2, 1, 2, 2);
    expect(() => makeGrid(batch, { columns: 0 })).toThrow(/columns must be a positive integer, got 0/);
    expect(() => makeGrid(batch, { padding: 1.5 })).toThrow(/padding/);
    expect(() => makeGrid(batch, { rows: 2 } as never)).toThrow(/unknown makeGrid option "rows"/);
    expect(() => makeGrid({ data: new Float32Array(3), shape: [2, 1, 2, 2] })).toThrow(/has 3 values/);
  });
});
