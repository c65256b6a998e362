import { describe, expect, it } from 'vitest';
import { Mulberry32 } from '../src/index.js';
import { readJson } from './fixtures.js';

interface Mulberry32Fixture {
  mulberry32: { seed: number; uint32: number[] };
}

describe('Mulberry32 (the bootstrap generator)', () => {
  it('reproduces the Python port draw for draw', () => {
    const f = readJson<Mulberry32Fixture>('metrics/seeded-subsets.json');
    const rng = new Mulberry32(f.mulberry32.seed);
    expect(f.mulberry32.uint32.map(() => rng.nextUint32())).toEqual(f.mulberry32.uint32);
  });
});
