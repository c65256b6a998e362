/** A source of standard-normal float32 noise; successive calls continue one stream. */
export interface GaussianGenerator {
  randn(shape: readonly number[]): Float32Array;
}

/** The element count of a shape; a RangeError names the bad dimension. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`shape[${i}] must be a non-negative integer, got ${d}`);
    n *= d;
  });
  if (n > 2 ** 32) throw new RangeError(`shape has ${n} elements; at most 2^32 are supported`);
  return n;
}

/** A seed reduced to the 32 bits that torch's mt19937 (and our Philox key) uses: seed mod 2^32. */
export function seedWord(seed: number, what: string): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${what} seed must be a safe integer, got ${seed}`);
  return ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
}
