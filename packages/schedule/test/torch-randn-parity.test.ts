import { describe, expect, it } from 'vitest';
import { TorchGenerator, torchRandn } from '../src/index.js';
import { loadParity } from './parity-fixture.js';

interface Draw {
  shape: number[];
  n: number;
  first: number[];
  last: number[];
  sum: number;
  sumsq: number;
}
interface RandnFile {
  cases: (Draw & { seed: number })[];
  streams: { seed: number; draws: Draw[] }[];
}

const file = loadParity<RandnFile>('torch-randn.json');

function expectDraw(x: Float32Array, d: Draw): void {
  expect(x.length).toBe(d.n);
  d.first.forEach((v, i) => expect(Math.abs((x[i] as number) - v), `element ${i}`).toBeLessThanOrEqual(1e-6));
  const tail = x.length - d.last.length;
  d.last.forEach((v, i) => expect(Math.abs((x[tail + i] as number) - v), `element ${tail + i}`).toBeLessThanOrEqual(1e-6));
  let sum = 0;
  let sumsq = 0;
  for (const v of x) {
    sum += v;
    sumsq += v * v;
  }
  // The sums cover every element, not only the stored head and tail.
  expect(Math.abs(sum - d.sum)).toBeLessThanOrEqual(1e-6 * d.n);
  expect(Math.abs(sumsq - d.sumsq)).toBeLessThanOrEqual(1e-5 * d.n);
}

describe('torchRandn reproduces torch.manual_seed(s); torch.randn(shape) on CPU', () => {
  for (const c of file.cases) {
    it(`seed ${c.seed}, shape [${c.shape.join(', ')}]`, () => expectDraw(torchRandn(c.seed, c.shape), c));
  }
});

describe('TorchGenerator continues the stream like a seeded torch.Generator', () => {
  for (const s of file.streams) {
    it(`seed ${s.seed}, ${s.draws.length} successive draws`, () => {
      const g = new TorchGenerator(s.seed);
      for (const d of s.draws) expectDraw(g.randn(d.shape), d);
    });
  }
});
