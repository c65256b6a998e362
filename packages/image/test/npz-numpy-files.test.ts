/**
 * parseNpz on archives numpy wrote (fixtures/fid-stats, made by tools/denoise_tools/make_npz_fixtures):
 * np.savez (stored) and np.savez_compressed (deflate, zip64 extra fields in the local headers), including
 * pytorch-fid's stats file of the synthetic set S500 (sigma inflates to 32 MiB). Values are compared with
 * what numpy reported (manifest.json); then serializeNpz → parseNpz round trips, and the refusals.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { NpyArray } from '../src/npy.js';
import { NpzFormatError, parseNpz, serializeNpz } from '../src/npz.js';
import { NPZ_FIXTURES } from './fixture-paths.js';

interface Described {
  dtype: string;
  shape: number[];
  values?: string[];
  sha256?: string;
  first?: string[];
  last?: string[];
}
const manifest = JSON.parse(readFileSync(join(NPZ_FIXTURES, 'manifest.json'), 'utf8')) as Record<string, Record<string, Described>>;
const read = (name: string): Buffer => readFileSync(join(NPZ_FIXTURES, name));

function expectMatches(array: NpyArray, expected: Described): void {
  expect(array.dtype).toBe(expected.dtype);
  expect(array.shape).toEqual(expected.shape);
  const values = Array.from(array.data as ArrayLike<number | bigint>);
  if (expected.values !== undefined) {
    expect(values).toEqual(expected.values.map((v) => (array.dtype === 'int64' ? BigInt(v) : Number(v))));
    if (array.dtype === 'int64') return;
  }
  if (expected.sha256 !== undefined) {
    const bytes = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(expected.sha256);
    expect(values.slice(0, 4)).toEqual(expected.first?.map(Number));
    expect(values.slice(-4)).toEqual(expected.last?.map(Number));
  }
}

/** Same dtype, shape and bytes (toEqual on 4 Mi float64 elements takes seconds). */
function expectSame(actual: NpyArray, expected: NpyArray): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  const bytes = (a: NpyArray): Buffer => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  expect(bytes(actual).equals(bytes(expected))).toBe(true);
}

describe('parseNpz reads what numpy wrote', () => {
  for (const [file, keys] of Object.entries(manifest)) {
    it(`${file}: keys ${Object.keys(keys).join(', ')} with numpy's exact values`, () => {
      const arrays = parseNpz(read(file), file);
      expect([...arrays.keys()]).toEqual(Object.keys(keys));
      for (const [key, expected] of Object.entries(keys)) expectMatches(arrays.get(key)!, expected);
    });
  }

  it('the S500 stats file is pytorch-fid layout: mu float64 [2048], sigma float64 [2048, 2048], symmetric', () => {
    const stats = parseNpz(read('S500_stats.npz'), 'S500_stats.npz');
    const sigma = stats.get('sigma')!;
    expect(stats.get('mu')?.shape).toEqual([2048]);
    expect(sigma.shape).toEqual([2048, 2048]);
    const s = sigma.data as Float64Array;
    expect(s[5 * 2048 + 1700]).toBe(s[1700 * 2048 + 5]);
  });

  it('np.savez and np.savez_compressed of the same arrays read the same', () => {
    const stored = parseNpz(read('small-stored.npz'));
    const compressed = parseNpz(read('small-compressed.npz'));
    expect(stored).toEqual(compressed);
  });
});

describe('serializeNpz → parseNpz round trips', () => {
  for (const compress of [false, true]) {
    it(`every array of every fixture, compress: ${compress}`, () => {
      for (const file of Object.keys(manifest)) {
        const arrays = parseNpz(read(file), file);
        const back = parseNpz(serializeNpz(arrays, { compress }), `${file} rewritten`);
        expect([...back.keys()]).toEqual([...arrays.keys()]);
        for (const [key, array] of arrays) expectSame(back.get(key)!, array);
      }
    });
  }

  it('compress: true deflates (S500 sigma: 32 MiB of float64 written in well under 2 MiB) and is deterministic', () => {
    const arrays = parseNpz(read('S500_stats.npz'));
    const a = serializeNpz(arrays, { compress: true });
    expect(a.length).toBeLessThan(2 * 1024 * 1024);
    expect(serializeNpz(arrays, { compress: true }).equals(a)).toBe(true);
    expect(serializeNpz(arrays, { compress: false }).length).toBeGreaterThan(32 * 1024 * 1024);
  });

  it('a record, non-ASCII keys (UTF-8 flag) and an empty archive', () => {
    const x: NpyArray = { dtype: 'float32', shape: [2], data: Float32Array.of(1.5, -2) };
    const back = parseNpz(serializeNpz({ 'σ²': x, plain: x }, { compress: true }));
    expect([...back.keys()]).toEqual(['σ²', 'plain']);
    expect(back.get('σ²')).toEqual(x);
    expect(parseNpz(serializeNpz(new Map(), { compress: false })).size).toBe(0);
    expect(() => serializeNpz({ '': x }, { compress: false })).toThrow(RangeError);
  });
});

describe('parseNpz refuses, naming the file and the member', () => {
  const small = read('small-stored.npz');
  const refuses = (bytes: Uint8Array, pattern: RegExp): void => {
    let error: unknown;
    try {
      parseNpz(bytes, 'stats.npz');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NpzFormatError);
    expect((error as NpzFormatError).source).toBe('stats.npz');
    expect((error as Error).message).toMatch(pattern);
  };
  /** Offsets of the local headers of the stored fixture (mu.npy then sigma.npy) and of the central directory. */
  const locals = [0, small.indexOf('PK\x03\x04', 4)];
  const central = small.indexOf('PK\x01\x02');

  it('a member compressed with bzip2 (numpy-written via zipfile)', () => refuses(read('bad-bzip2.npz'), /^stats\.npz: mu\.npy: compression method 12 is not supported/));
  it('a member that is not .npy', () => refuses(read('bad-text-member.npz'), /^stats\.npz: notes\.txt: member is not a \.npy file/));
  it('not a zip at all, and a truncated archive', () => {
    refuses(Buffer.from('hello'), /^stats\.npz: not a zip archive/);
    refuses(small.subarray(0, small.length - 5), /not a zip archive/);
  });
  it('an encrypted member', () => {
    const bytes = Buffer.from(small);
    bytes.writeUInt16LE(1, central + 8);
    refuses(bytes, /^stats\.npz: mu\.npy: member is encrypted/);
  });
  it('a duplicate name', () => {
    const x: NpyArray = { dtype: 'int32', shape: [1], data: Int32Array.of(7) };
    const bytes = serializeNpz({ ab: x, cd: x }, { compress: false });
    for (let at = bytes.indexOf('cd.npy'); at >= 0; at = bytes.indexOf('cd.npy', at)) bytes.write('ab.npy', at, 'latin1');
    refuses(bytes, /^stats\.npz: ab\.npy: member name appears twice in the archive/);
  });
  it('sizes that disagree: the central directory declares a larger member than the local header', () => {
    const bytes = Buffer.from(small);
    bytes.writeUInt32LE(bytes.readUInt32LE(central + 24) + 8, central + 24);
    refuses(bytes, /^stats\.npz: mu\.npy: .*(sizes disagree|declares)/);
  });
  it('member data past the end of the file', () => {
    const bytes = Buffer.from(small);
    const second = bytes.indexOf('PK\x01\x02', central + 4);
    bytes.writeUInt32LE(0x7fff0000, second + 20);
    bytes.writeUInt32LE(0x7fff0000, second + 24);
    refuses(bytes, /^stats\.npz: sigma\.npy: member data .* runs past the end of the file/);
  });
  it('a deflated member that inflates past what its .npy header declares, refused without inflating it all', () => {
    // A valid .npy header for 8 float64 (64 bytes of data) followed by 64 MiB of zeros, deflated (~64 KiB).
    const npy = serializeNpz({ mu: { dtype: 'float64', shape: [8], data: new Float64Array(8) } }, { compress: false });
    const member = parseNpz(npy).get('mu')!;
    expect(member.shape).toEqual([8]);
    const header = npy.subarray(30 + 6, 30 + 6 + 128);
    const bomb = Buffer.concat([header, Buffer.alloc(64 * 1024 * 1024)]);
    const deflated = deflateRawSync(bomb);
    const archive = Buffer.from(serializeNpz({ mu: member }, { compress: true }));
    const localData = 30 + 6;
    const oldSize = archive.readUInt32LE(18);
    const rebuilt = Buffer.concat([archive.subarray(0, localData), deflated, archive.subarray(localData + oldSize)]);
    const cd = localData + deflated.length;
    rebuilt.writeUInt32LE(deflated.length, 18);
    rebuilt.writeUInt32LE(deflated.length, cd + 20);
    rebuilt.writeUInt32LE(rebuilt.length - 22 - cd, rebuilt.length - 22 + 12);
    rebuilt.writeUInt32LE(cd, rebuilt.length - 22 + 16);
    refuses(rebuilt, /^stats\.npz: mu\.npy: (inflates to more than its declared 192 bytes|CRC-32 mismatch)/);
    // And with the directory claiming the bomb's full size, the .npy header's 192 bytes disagree first.
    rebuilt.writeUInt32LE(bomb.length, 22);
    rebuilt.writeUInt32LE(bomb.length, cd + 24);
    refuses(rebuilt, /^stats\.npz: mu\.npy: the \.npy header declares 192 bytes, the zip directory \d+/);
  });
  it('a corrupt member (CRC-32 mismatch) and a bad .npy inside', () => {
    const bytes = Buffer.from(small);
    const flipAt = locals[1]! + 30 + 9 + 20 + 200;
    bytes[flipAt] = (bytes[flipAt] as number) ^ 1; // a data byte of sigma
    refuses(bytes, /^stats\.npz: sigma\.npy: CRC-32 mismatch/);
    const badMagic = Buffer.from(small);
    const dataStart = locals[0]! + 30 + badMagic.readUInt16LE(26) + badMagic.readUInt16LE(28);
    badMagic[dataStart] = 0;
    refuses(badMagic, /^stats\.npz: mu\.npy: not a \.npy file/);
  });
});
