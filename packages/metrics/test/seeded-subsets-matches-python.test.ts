import { describe, expect, it } from 'vitest';
import { Mulberry32, sampleWithoutReplacement } from '../src/index.js';
import { readJson } from './fixtures.js';

interface SubsetFixture {
  mulberry32: { seed: number; uint32: number[] };
  sampleWithoutReplacement: { seed: number; n: number; k: number; draws: number[][] };
}

describe('seeded subsets', () => {
  const f = readJson<SubsetFixture>('metrics/seeded-subsets.json');

  it('mulberry32 reproduces the Python port draw for draw', () => {
    const rng = new Mulberry32(f.mulberry32.seed);
    expect(f.mulberry32.uint32.map(() => rng.nextUint32())).toEqual(f.mulberry32.uint32);
  });

  it('sampleWithoutReplacement reproduces the Python subsets and never repeats an index', () => {
    const { seed, n, k, draws } = f.sampleWithoutReplacement;
    const rng = new Mulberry32(seed);
    for (const expected of draws) {
      const got = Array.from(sampleWithoutReplacement(rng, n, k));
      expect(got).toEqual(expected);
      expect(new Set(got).size).toBe(k);
    }
  });
});
