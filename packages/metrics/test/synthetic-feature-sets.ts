/**
 * The synthetic [n, 2048] feature sets of the shared FID/KID reference cases (fixtures/fid-kid/cases.json), a port
 * of fid-inception's synthetic_sets.py: uint32 hashing, values k/2048, so the float32 arrays are bit for bit those
 * the reference tools were given (the tests check each set's sha256 from cases.json).
 */
import { createHash } from 'node:crypto';

export const SYNTHETIC_DIM = 2048;

export interface SyntheticSetSpec {
  readonly seed: number;
  readonly n: number;
  readonly w_off?: number;
  readonly shift?: number;
  readonly perturb?: boolean;
  readonly dead?: boolean;
}

function hash32(input: number): number {
  let x = input >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function syntheticSet({ seed, n, w_off = 0, shift = 0, perturb = false, dead = false }: SyntheticSetSpec): Float32Array {
  const out = new Float32Array(n * SYNTHETIC_DIM);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < SYNTHETIC_DIM; j++) {
      const hc = hash32(i * SYNTHETIC_DIM + j);
      const a = hash32(hc ^ seed) >>> 22;
      const g = hash32(hash32((i * 64 + (j & 63)) | 0x80000000) ^ seed) >>> 22;
      let v = (1 + ((j + w_off) % 5)) * a + 3 * g + shift - 2560;
      if (perturb && (hash32(hc ^ seed ^ 0xa5a5a5a5) & 255) === 0) v += 8;
      if (dead && j % 8 !== 0) v = 0;
      out[i * SYNTHETIC_DIM + j] = Math.max(v, 0) / 2048;
    }
  }
  return out;
}

/** sha256 of the little-endian float32 bytes, as cases.json's sha256_le_f32. */
export function sha256LeF32(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}
