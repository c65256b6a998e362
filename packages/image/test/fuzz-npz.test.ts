/**
 * Fuzz: seeded byte mutations of the numpy-written .npz fixtures (fixtures/fid-stats, without the 650 KB
 * S500 file, which would make each run slow). parseNpz either returns arrays whose data matches their
 * shapes, or throws NpzFormatError naming the file; never another error, never a hang, and never more
 * memory than DEFLATE's maximum ratio allows for the input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteMutations as mutations, expectTypedOutcome, fuzz, mutate } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpzFormatError, parseNpz } from '../src/npz.js';
import { NPZ_FIXTURES } from './fixture-paths.js';

const PER_CALL_MS = 1_000;
const files = readdirSync(NPZ_FIXTURES)
  .filter((name) => name.endsWith('.npz') && !name.startsWith('S500'))
  .sort()
  .map((name) => ({ name, bytes: readFileSync(join(NPZ_FIXTURES, name)) }));

describe('fuzz: parseNpz on mutated numpy archives returns consistent arrays or throws NpzFormatError', () => {
  it('byte mutations of every small fixtures/fid-stats file', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    fuzz(
      'npz bytes',
      fc.property(fc.constantFrom(...files), mutations, (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        const isTyped = (error: unknown): boolean => error instanceof NpzFormatError && error.source === file.name;
        expectTypedOutcome(() => parseNpz(bytes, file.name), isTyped, PER_CALL_MS, (arrays) => {
          let total = 0;
          for (const array of arrays.values()) {
            expect(array.data.length).toBe(array.shape.reduce((a, b) => a * b, 1));
            total += array.data.byteLength;
          }
          expect(total).toBeLessThanOrEqual(bytes.length * 1032);
        });
      }),
      { seed: 0x25_0003, numRuns: 20000, interruptAfterTimeLimit: 2_000 },
    );
  }, 30_000);
});
