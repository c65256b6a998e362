import { Mt19937 } from './mt19937.js';

/**
 * numpy's legacy generator, `numpy.random.RandomState(seed)` with an integer seed, reproduced draw for draw:
 * MT19937 (Matsumoto & Nishimura 1998) seeded by `init_genrand(seed)`, `random_sample` (53 random bits from two
 * 32-bit outputs) and `choice(n, m, replace=False)` (the first m entries of `permutation(n)`). torch-fidelity draws
 * KID's subsets from `RandomState(2020)` this way, and pytorch-fid's reference weights generator draws its values
 * with `random_sample`, so matching the stream lets a test compare with those tools value for value.
 */
export class NumpyRandomState {
  readonly #twister: Mt19937;

  /** `seed` is an integer in [0, 2³²), as RandomState requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`NumpyRandomState: seed must be an integer in [0, 2^32), got ${seed}`);
    }
    this.#twister = new Mt19937(seed);
  }

  /** The next 32-bit output of MT19937. */
  nextUint32(): number {
    return this.#twister.nextUint32();
  }

  /** `random_sample()`: uniform in [0, 1) with 53 random bits, (a >> 5 · 2²⁶ + b >> 6) / 2⁵³. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `random_sample(count)` as a Float64Array. */
  randomSamples(count: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.randomSample();
    return out;
  }

  /** A uniform integer in [0, max] by masked rejection (numpy's legacy `random_interval`), max < 2³². */
  intervalDraw(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= max) return value;
    }
  }

  /**
   * `choice(n, m, replace=False)` without probabilities: the first m entries of `permutation(n)`, where the
   * permutation shuffles 0..n−1 from the end (for i = n−1 … 1, swap entry i with entry intervalDraw(i)).
   */
  choiceWithoutReplacement(n: number, m: number): Int32Array {
    if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || n > 0xffffffff || m < 0 || m > n) {
      throw new RangeError(`NumpyRandomState.choiceWithoutReplacement: need integers 0 ≤ m ≤ n, got n = ${n}, m = ${m}`);
    }
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) indices[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.intervalDraw(i);
      const t = indices[i] as number;
      indices[i] = indices[j] as number;
      indices[j] = t;
    }
    return indices.slice(0, m);
  }

}
