/**
 * Fuzz suite (issue 15): thousands of seeded mutations of the real .npy and PNG fixtures. The contract
 * checked: parseNpy either returns an array whose data matches its shape, or throws NpyFormatError;
 * decodePng either returns pixels that match width × height × channels, or throws PngFormatError. Never
 * another error type (a RangeError from a huge allocation, a TypeError from a missing field), never a
 * hang (each call is timed), never an allocation beyond what the input holds (decoded sizes are bounded
 * by the declared sizes, which must fit the input). Seeds are fixed, so a failure reproduces in CI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { byteMutations as mutations, expectTypedOutcome, fuzz, mutate } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpyFormatError, parseNpy } from '../src/npy.js';
import { PngFormatError } from '../src/png-chunks.js';
import { decodePng } from '../src/png-codec.js';
import { IMAGE_FIXTURES, NPY_FIXTURES } from './fixture-paths.js';

const GOLDEN_FIXTURES = join(IMAGE_FIXTURES, '..', 'golden');
/** The slowest a single parse of a small mutated file may take before we call it a hang. */
const PER_CALL_MS = 1_000;

// ---- .npy ----

const npyFiles = readdirSync(NPY_FIXTURES)
  .filter((name) => name.endsWith('.npy'))
  .sort()
  .map((name) => ({ name, bytes: readFileSync(join(NPY_FIXTURES, name)) }));

function checkNpyResult(input: Uint8Array, array: ReturnType<typeof parseNpy>): void {
  for (const dim of array.shape) expect(Number.isSafeInteger(dim) && dim >= 0).toBe(true);
  expect(array.data.length).toBe(array.shape.reduce((a, b) => a * b, 1));
  expect(array.data.byteLength).toBeLessThanOrEqual(input.length);
}

describe('fuzz: parseNpy on mutated numpy files returns a consistent array or throws NpyFormatError', () => {
  it('byte mutations of every fixtures/npy file', () => {
    fuzz(
      'npy bytes',
      fc.property(fc.constantFrom(...npyFiles), mutations, (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        expectTypedOutcome(() => parseNpy(bytes, file.name), [NpyFormatError], PER_CALL_MS, (array) => checkNpyResult(bytes, array));
      }),
      { seed: 0x15_0001, numRuns: 4000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);

  // Header-level: rewrite the dict literal with another shape tuple (huge, overflowing, empty, odd text),
  // keeping the data bytes, so the shape/data-size arithmetic is what is exercised.
  const dimText = fc.oneof(
    fc.nat(70).map(String),
    fc.constantFrom('0', '1', '8', '9007199254740993', '4294967296', '1' + '0'.repeat(30), '9'.repeat(400), '-1', '1L', '2.5', '1e3', 'None', ''),
  );
  it('shape tuples rewritten in the header', () => {
    fuzz(
      'npy shape header',
      fc.property(fc.constantFrom(...npyFiles), fc.array(dimText, { maxLength: 5 }), fc.boolean(), (file, dims, trailingComma) => {
        const header = Buffer.from(file.bytes.subarray(10, 10 + file.bytes.readUInt16LE(8))).toString('latin1');
        if (file.bytes[6] !== 1) return; // v2/v3 have 4-byte lengths; covered by the byte mutations
        const shape = `(${dims.join(', ')}${trailingComma ? ',' : ''})`;
        const rewritten = header.replace(/'shape': \([^)]*\)/, `'shape': ${shape}`);
        const head = Buffer.alloc(10);
        file.bytes.copy(head, 0, 0, 8);
        head.writeUInt16LE(rewritten.length, 8);
        const bytes = Buffer.concat([head, Buffer.from(rewritten, 'latin1'), file.bytes.subarray(10 + header.length)]);
        expectTypedOutcome(() => parseNpy(bytes, file.name), [NpyFormatError], PER_CALL_MS, (array) => checkNpyResult(bytes, array));
      }),
      { seed: 0x15_0002, numRuns: 2000, interruptAfterTimeLimit: 2_000 },
    );
  }, 30_000);
});

describe('fuzz regressions: parseNpy', () => {
  it('refuses a dimension beyond 2^53 (counterexample: empty-float32.npy with shape (9007199254740993, 0) was read as [9007199254740992, 0])', () => {
    const bytes = npyHeaderOnly(`{'descr': '<f4', 'fortran_order': False, 'shape': (9007199254740993, 0), }`);
    expect(() => parseNpy(bytes, 'big-dim.npy')).toThrow(/big-dim\.npy: shape dimension 9007199254740993 is beyond 2\^53/);
  });

  it('refuses a dimension that is not a safe integer (a 400-digit dim made shape [0, Infinity] with no data)', () => {
    const bytes = npyHeaderOnly(`{'descr': '<f4', 'fortran_order': False, 'shape': (0, ${'9'.repeat(400)}), }`);
    expect(() => parseNpy(bytes, 'huge-dim.npy')).toThrow(NpyFormatError);
    expect(() => parseNpy(bytes, 'huge-dim.npy')).toThrow(/huge-dim\.npy: .*shape/);
  });
});

function npyHeaderOnly(dict: string): Buffer {
  const padded = dict.padEnd(117, ' ') + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, 'latin1')]);
}

// ---- PNG (chunks, text metadata, pixels) ----

const pngFiles = [
  ...readdirSync(GOLDEN_FIXTURES)
    .filter((name) => name.endsWith('.png'))
    .sort()
    .slice(0, 6)
    .map((name) => ({ name, bytes: readFileSync(join(GOLDEN_FIXTURES, name)) })),
  ...readdirSync(IMAGE_FIXTURES)
    .filter((name) => name.endsWith('.png'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(IMAGE_FIXTURES, name)) })),
];

function checkPngResult(decoded: ReturnType<typeof decodePng>): void {
  const { width, height, channels, pixels } = decoded.image;
  expect(pixels.length).toBe(width * height * channels);
  for (const [key, value] of Object.entries(decoded.text)) {
    expect(typeof key).toBe('string');
    expect(typeof value).toBe('string');
  }
}

/** Splits a PNG into [type, data] chunks without checking anything (the fixtures are well formed). */
function splitChunks(bytes: Buffer): { type: string; data: Buffer }[] {
  const chunks: { type: string; data: Buffer }[] = [];
  for (let pos = 8; pos + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(pos);
    chunks.push({ type: bytes.toString('latin1', pos + 4, pos + 8), data: bytes.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

function joinChunks(chunks: readonly { type: string; data: Uint8Array }[]): Buffer {
  const parts = chunks.map(({ type, data }) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    out.set(data, 8);
    out.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'latin1'))), 8 + data.length);
    return out;
  });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...parts]);
}

describe('fuzz: decodePng on mutated PNG files returns consistent pixels and text or throws PngFormatError', () => {
  it('raw byte mutations (CRCs left as they are)', () => {
    fuzz(
      'png bytes',
      fc.property(fc.constantFrom(...pngFiles), mutations, (file, ms) => {
        const bytes = mutate(file.bytes, ms);
        expectTypedOutcome(() => decodePng(bytes, file.name), [PngFormatError], PER_CALL_MS, checkPngResult);
      }),
      { seed: 0x15_0003, numRuns: 2500, interruptAfterTimeLimit: 2_000 },
    );
  }, 30_000);

  // Mutations inside one chunk's data with its CRC recomputed, so IHDR sizes, text chunks and IDAT reach
  // the parsers behind the CRC check; plus whole text chunks (tEXt, zTXt, iTXt) made from mutated bytes.
  const textChunk = fc.record({
    type: fc.constantFrom('tEXt', 'zTXt', 'iTXt'),
    body: fc.uint8Array({ maxLength: 48 }),
    deflate: fc.boolean(),
    at: fc.nat(),
  });
  it('chunk-data mutations with valid CRCs, and inserted text chunks', () => {
    fuzz(
      'png chunks with valid CRCs',
      fc.property(fc.constantFrom(...pngFiles), fc.nat(), mutations, fc.option(textChunk), (file, which, ms, extra) => {
        const chunks = splitChunks(file.bytes);
        const index = which % chunks.length;
        const target = chunks[index]!;
        chunks[index] = { type: target.type, data: mutate(target.data, ms) };
        if (extra) {
          const body = Buffer.from(extra.body);
          const data = extra.deflate ? Buffer.concat([body.subarray(0, 8), deflateSync(body.subarray(8))]) : body;
          chunks.splice(1 + (extra.at % (chunks.length - 1)), 0, { type: extra.type, data });
        }
        const bytes = joinChunks(chunks);
        expectTypedOutcome(() => decodePng(bytes, file.name), [PngFormatError], PER_CALL_MS, checkPngResult);
      }),
      { seed: 0x15_0004, numRuns: 2500, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});

describe('fuzz regressions: decodePng', () => {
  const base = readFileSync(join(IMAGE_FIXTURES, 'pillow-rgb.png'));

  it('refuses an IHDR of 0×4294967294 at once (counterexample: pillow-gray16.png with IHDR width/height overwritten; pngjs looped for 45 s)', () => {
    const chunks = splitChunks(readFileSync(join(IMAGE_FIXTURES, 'pillow-gray16.png')));
    const ihdr = Buffer.from(chunks[0]!.data);
    ihdr.set([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe], 0);
    chunks[0] = { type: 'IHDR', data: ihdr };
    const started = performance.now();
    expect(() => decodePng(joinChunks(chunks), 'zero-width.png')).toThrow(/zero-width\.png: corrupt PNG: IHDR declares 0×4294967294 pixels/);
    expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
  });

  it('refuses an IHDR declaring more pixels than the IDAT data could hold, before allocating them', () => {
    const chunks = splitChunks(base);
    const ihdr = Buffer.from(chunks[0]!.data);
    ihdr.writeUInt32BE(0x7fffffff, 0);
    ihdr.writeUInt32BE(0x7fffffff, 4);
    chunks[0] = { type: 'IHDR', data: ihdr };
    expect(() => decodePng(joinChunks(chunks), 'huge-ihdr.png')).toThrow(/huge-ihdr\.png: corrupt PNG: IHDR declares 2147483647×2147483647 pixels .* more than its \d+ bytes of IDAT can hold/);
  });

  it('refuses a zTXt chunk that inflates beyond its limit (a decompression bomb) with PngFormatError', () => {
    const chunks = splitChunks(base);
    const bomb = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(64 * 2 ** 20))]);
    chunks.splice(1, 0, { type: 'zTXt', data: bomb });
    expect(() => decodePng(joinChunks(chunks), 'bomb.png')).toThrow(/bomb\.png: corrupt zTXt chunk at byte \d+: compressed text inflates to more than 8388608 bytes/);
  });
});
