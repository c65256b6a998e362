import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../src/npy-file.js';
import { NpyFormatError } from '../src/npy.js';
import { NPY_FIXTURES } from './fixture-paths.js';

async function expectError(path: string, message: RegExp): Promise<void> {
  const error = await readNpy(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NpyFormatError);
  expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe('.npy errors name the file and the problem', () => {
  it('Fortran order (numpy file)', async () => {
    await expectError(join(NPY_FIXTURES, 'bad-fortran-order.npy'), /Fortran-order \(column-major\) data is not supported/);
  });

  it('big-endian (numpy file)', async () => {
    await expectError(join(NPY_FIXTURES, 'bad-big-endian.npy'), /big-endian dtype '>f4' is not supported/);
  });

  it('unsupported dtype float16 (numpy file), listing the supported ones', async () => {
    await expectError(
      join(NPY_FIXTURES, 'bad-float16.npy'),
      /unsupported dtype '<f2' \(float16\); supported: float32 \('<f4'\), float64 \('<f8'\), int32 \('<i4'\), int64 \('<i8'\)/,
    );
  });

  it('truncated data (numpy file cut short)', async () => {
    await expectError(join(NPY_FIXTURES, 'bad-truncated.npy'), /truncated: shape \(2, 3, 4\) of float32 needs 96 data bytes, only 89 present/);
  });

  describe('files made here', () => {
    let dir: string;
    let good: Buffer;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'denoise-bad-npy-'));
      good = await readFile(join(NPY_FIXTURES, 'float32.npy'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function check(name: string, bytes: Uint8Array, message: RegExp): Promise<void> {
      const path = join(dir, name);
      await writeFile(path, bytes);
      await expectError(path, message);
    }

    it('bad magic', async () => {
      await check('image.png.npy', Buffer.from('\x89PNG\r\n\x1a\n0000000000', 'latin1'), /not a \.npy file \(bad magic/);
    });

    it('truncated header', async () => {
      await check('short-header.npy', good.subarray(0, 40), /truncated: header declares 118 bytes, only 30 present/);
    });

    it('trailing bytes after the data', async () => {
      await check('trailing.npy', Buffer.concat([good, Buffer.from([1, 2, 3])]), /3 unexpected bytes after the data/);
    });

    it('structured dtype', async () => {
      const header = "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }";
      const bytes = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([header.length, 0]), Buffer.from(header), Buffer.alloc(4)]);
      await check('structured.npy', bytes, /structured arrays are not supported/);
    });

    it('unknown format version', async () => {
      const bytes = Buffer.from(good);
      bytes[6] = 9;
      await check('version9.npy', bytes, /unsupported \.npy format version 9\.0/);
    });
  });
});
