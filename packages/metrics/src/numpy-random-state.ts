/**
 * numpy's legacy generator, `numpy.random.RandomState(seed)` with an integer seed, reproduced draw for draw:
 * MT19937 (Matsumoto & Nishimura 1998) seeded by `init_genrand(seed)`, `random_sample` (53 random bits from two
 * 32-bit outputs) and `choice(n, m, replace=False)` (the first m entries of `permutation(n)`). torch-fidelity draws
 * KID's subsets from `RandomState(2020)` this way, and pytorch-fid's reference weights generator draws its values
 * with `random_sample`, so matching the stream lets a test compare with those tools value for value.
 */

const STATE_SIZE = 624;
const SHIFT = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

export class NumpyRandomState {
  readonly #state = new Uint32Array(STATE_SIZE);
  #position = STATE_SIZE;

  /** `seed` is an integer in [0, 2³²), as RandomState requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`NumpyRandomState: seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const mt = this.#state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < STATE_SIZE; i++) {
      const previous = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, (previous ^ (previous >>> 30)) >>> 0) + i) >>> 0;
    }
  }

  /** The next 32-bit output of MT19937. */
  nextUint32(): number {
    if (this.#position >= STATE_SIZE) this.#twist();
    let y = this.#state[this.#position++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
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

  #twist(): void {
    const mt = this.#state;
    for (let i = 0; i < STATE_SIZE; i++) {
      const y = ((mt[i] as number) & UPPER_MASK) | ((mt[(i + 1) % STATE_SIZE] as number) & LOWER_MASK);
      mt[i] = ((mt[(i + SHIFT) % STATE_SIZE] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.#position = 0;
  }
}
