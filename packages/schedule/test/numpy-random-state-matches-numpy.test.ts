import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from '../src/index.js';
import { loadParity } from './parity-fixture.js';

interface NumpyRandomFixture {
  cases: {
    seed: number;
    uint32: number[];
    randomSample: string[];
    choice: { n: number; m: number; draw: number[] }[];
  }[];
}

describe('NumpyRandomState (numpy.random.RandomState, legacy)', () => {
  const { cases } = loadParity<NumpyRandomFixture>('numpy-random-state.json');

  it.each(cases.map((c) => [c.seed, c] as const))('seed %d: raw MT19937 outputs, past the first twist', (_seed, c) => {
    const rng = new NumpyRandomState(c.seed);
    expect(c.uint32.map(() => rng.nextUint32())).toEqual(c.uint32);
  });

  it.each(cases.map((c) => [c.seed, c] as const))('seed %d: random_sample bit for bit', (_seed, c) => {
    const rng = new NumpyRandomState(c.seed);
    expect(Array.from(rng.randomSamples(c.randomSample.length))).toEqual(c.randomSample.map(Number));
  });

  it.each(cases.map((c) => [c.seed, c] as const))('seed %d: choice(n, m, replace=False), one stream across calls', (_seed, c) => {
    const rng = new NumpyRandomState(c.seed);
    for (const { n, m, draw } of c.choice) expect(Array.from(rng.choiceWithoutReplacement(n, m))).toEqual(draw);
  });

  it('refuses seeds RandomState refuses and impossible choices', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new NumpyRandomState(0).choiceWithoutReplacement(3, 4)).toThrow(/0 ≤ m ≤ n/);
  });
});
