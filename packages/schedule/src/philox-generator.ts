import { numelOf, seedWord, type GaussianGenerator } from './gaussian-generator.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_POW_32 = 2 ** 32;

/** High 32 bits of the 64-bit product a·b (a, b unsigned 32-bit), from 16-bit halves (all exact). */
function mulHi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lh = aLo * bHi; // each partial product < 2^32
  const hl = aHi * bLo;
  const carry = (((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff)) >>> 16;
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + carry) >>> 0;
}

/**
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"): the 128-bit
 * counter (c0, c1, c2, c3) under the 64-bit key (k0, k1) through 10 rounds. Writes 4 words to `out`.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/**
 * A counter-based Gaussian generator: Philox4x32-10 keyed by the seed (key = seed mod 2^32, 0), counter =
 * (block index low, block index high, 0, 0). Each block yields 4 words → 4 uniforms u = (w + ½)·2^−32 in
 * (0, 1) → 2 Box–Muller pairs: √(−2 ln u0)·(cos, sin)(2π u1), and likewise for (u2, u3). Element i of the
 * stream is element i mod 4 of block ⌊i/4⌋, so any slice can be computed without the ones before it, and
 * the stream depends on nothing but the seed (IEEE float64 arithmetic; V8's log/sin/cos are the same
 * fdlibm code on every platform). Each `randn` call starts at a fresh block: a call whose size is not a
 * multiple of 4 discards the rest of its last block.
 */
export class PhiloxGenerator implements GaussianGenerator {
  private readonly key: number;
  private block = 0;
  private readonly words = new Uint32Array(4);

  constructor(seed: number) {
    this.key = seedWord(seed, 'PhiloxGenerator');
  }

  randn(shape: readonly number[]): Float32Array {
    const n = numelOf(shape);
    const out = new Float32Array(n);
    const w = this.words;
    for (let i = 0; i < n; i += 4) {
      const block = this.block++;
      philox4x32(block >>> 0, Math.floor(block / TWO_POW_32) >>> 0, 0, 0, this.key, 0, w);
      const r0 = Math.sqrt(-2 * Math.log(((w[0] as number) + 0.5) / TWO_POW_32));
      const t0 = 2 * Math.PI * (((w[1] as number) + 0.5) / TWO_POW_32);
      const r1 = Math.sqrt(-2 * Math.log(((w[2] as number) + 0.5) / TWO_POW_32));
      const t1 = 2 * Math.PI * (((w[3] as number) + 0.5) / TWO_POW_32);
      out[i] = r0 * Math.cos(t0);
      if (i + 1 < n) out[i + 1] = r0 * Math.sin(t0);
      if (i + 2 < n) out[i + 2] = r1 * Math.cos(t1);
      if (i + 3 < n) out[i + 3] = r1 * Math.sin(t1);
    }
    return out;
  }
}
