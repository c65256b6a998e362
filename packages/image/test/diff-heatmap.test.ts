import { describe, expect, it } from 'vitest';
import { diffHeatmap } from '../src/diff-heatmap.js';

describe('diffHeatmap', () => {
  const a = { width: 4, height: 1, channels: 1, pixels: Uint8Array.of(0, 100, 200, 50) } as const;

  it('is black where images agree and white at the largest difference, red-yellow between', () => {
    const b = { ...a, pixels: Uint8Array.of(0, 130, 190, 40) }; // differences 0, 30, 10, 10
    const map = diffHeatmap(a, b);
    expect(map).toMatchObject({ width: 4, height: 1, channels: 3 });
    expect([...map.pixels.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...map.pixels.subarray(3, 6)]).toEqual([255, 255, 255]);
    expect([...map.pixels.subarray(6, 9)]).toEqual([255, 0, 0]); // 1/3 of the largest: full red
  });

  it('is all black for identical images', () => {
    expect(diffHeatmap(a, a).pixels.every((p) => p === 0)).toBe(true);
  });

  it('rejects images whose shapes differ', () => {
    expect(() => diffHeatmap(a, { ...a, channels: 3, pixels: new Uint8Array(12) })).toThrow(/diffHeatmap: images differ/);
  });
});
