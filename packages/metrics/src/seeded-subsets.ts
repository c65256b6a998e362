/**
 * Deterministic subset sampling for KID. The generator is mulberry32 (Tommy Ettinger, public domain):
 * 32 bits of state, period 2^32, good enough statistically for picking subsets and trivial to port,
 * which lets tools/denoise_tools/train_classifier/metrics_ref.py reproduce the exact same subsets in numpy.
 */

export class Mulberry32 {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1): nextUint32() / 2^32. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }
}

/**
 * k distinct indices from 0..n-1: the first k entries of a partial Fisher–Yates shuffle of the
 * identity (Knuth, TAOCP vol. 2, Algorithm P), one draw per entry.
 */
export function sampleWithoutReplacement(rng: Mulberry32, n: number, k: number): Int32Array {
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.nextFloat() * (n - i));
    const t = indices[i] as number;
    indices[i] = indices[j] as number;
    indices[j] = t;
  }
  return indices.subarray(0, k);
}
