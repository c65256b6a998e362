import { describe, expect, it } from 'vitest';
import { sideBySide } from '../src/side-by-side.js';

describe('sideBySide', () => {
  it('places images left to right with padding, top-aligned, converting gray to RGB when mixed', () => {
    const gray = { width: 2, height: 2, channels: 1, pixels: Uint8Array.of(10, 20, 30, 40) } as const;
    const rgb = { width: 1, height: 1, channels: 3, pixels: Uint8Array.of(1, 2, 3) } as const;
    const strip = sideBySide([gray, rgb], 1);
    expect(strip).toMatchObject({ width: 4, height: 2, channels: 3 });
    // row 0: gray 10, gray 20, padding, rgb; row 1: gray 30, gray 40, padding, black below the rgb image
    expect([...strip.pixels]).toEqual([10, 10, 10, 20, 20, 20, 0, 0, 0, 1, 2, 3, 30, 30, 30, 40, 40, 40, 0, 0, 0, 0, 0, 0]);
  });

  it('stays grayscale when every input is grayscale', () => {
    const gray = { width: 1, height: 1, channels: 1, pixels: Uint8Array.of(9) } as const;
    expect(sideBySide([gray, gray], 0)).toEqual({ width: 2, height: 1, channels: 1, pixels: Uint8Array.of(9, 9) });
  });

  it('rejects an empty list', () => {
    expect(() => sideBySide([])).toThrow(RangeError);
  });
});
