/**
 * The seeded generator of the bootstrap resamples (bootstrapDistances, the bench's timing intervals): mulberry32
 * (Tommy Ettinger, public domain), 32 bits of state, period 2^32, good enough statistically for resampling and
 * trivial to port. KID's subsets are not drawn with it: they follow torch-fidelity's numpy RandomState draws.
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
