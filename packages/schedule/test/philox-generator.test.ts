import { describe, expect, it } from 'vitest';
import { PhiloxGenerator, philox4x32 } from '../src/index.js';

describe('Philox4x32-10', () => {
  it('matches the known-answer vectors of Random123 (Salmon et al. 2011)', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(Array.from(out)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const ones = 0xffffffff;
    philox4x32(ones, ones, ones, ones, ones, ones, out);
    expect(Array.from(out)).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(Array.from(out)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
});

describe('PhiloxGenerator', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(new PhiloxGenerator(1).randn([64])).toEqual(new PhiloxGenerator(1).randn([64]));
    expect(new PhiloxGenerator(1).randn([64])).not.toEqual(new PhiloxGenerator(2).randn([64]));
  });

  it('continues the stream block by block: two draws of 8 equal one draw of 16', () => {
    const g = new PhiloxGenerator(9);
    const joined = [...g.randn([8]), ...g.randn([2, 4])];
    expect(joined).toEqual(Array.from(new PhiloxGenerator(9).randn([16])));
  });

  it('draws standard normals: mean ≈ 0, variance ≈ 1, tails as expected', () => {
    const x = new PhiloxGenerator(2024).randn([200_000]);
    let sum = 0;
    let sumsq = 0;
    let beyond2 = 0;
    for (const v of x) {
      sum += v;
      sumsq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = sum / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sumsq / x.length - mean * mean - 1)).toBeLessThan(0.02);
    expect(beyond2 / x.length).toBeCloseTo(0.0455, 2);
  });
});
