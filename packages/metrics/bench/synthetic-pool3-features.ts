import { Mulberry32 } from '../src/index.js';

/** Non-negative, correlated, partly dead features [n, dim], like Inception pool3 outputs: the benches' input. */
export function syntheticPool3Features(seed: number, n: number, dim: number): Float32Array {
  const rng = new Mulberry32(seed);
  const shared = Float64Array.from({ length: 64 }, () => rng.nextFloat());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const a = rng.nextFloat();
    for (let j = 0; j < dim; j++) {
      const v = (j % 97 === 0 ? 0 : a * (shared[j & 63] as number)) + rng.nextFloat() - 0.3;
      out[i * dim + j] = Math.max(v, 0);
    }
  }
  return out;
}
