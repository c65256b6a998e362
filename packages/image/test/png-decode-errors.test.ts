import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PngFormatError } from '../src/png-chunks.js';
import { encodePng } from '../src/png-codec.js';
import { readPng } from '../src/png-file.js';
import { IMAGE_FIXTURES } from './fixture-paths.js';

describe('PNG decode errors name the file and the problem', () => {
  let dir: string;
  let good: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denoise-bad-png-'));
    const pixels = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => i % 251);
    good = encodePng({ width: 16, height: 16, channels: 3, pixels }, { 'denoise:seed': '7' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function expectError(name: string, bytes: Buffer, message: RegExp): Promise<void> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const error = await readPng(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PngFormatError);
    expect((error as PngFormatError).source).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  }

  it('bad signature', async () => {
    const bytes = Buffer.from(good);
    bytes[1] = 0x51; // 'Q' instead of 'P'
    await expectError('bad-signature.png', bytes, /not a PNG file \(bad signature\)/);
  });

  it('a JPEG-like file is not a PNG', async () => {
    await expectError('photo.png', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), /bad signature/);
  });

  it('corrupted CRC (one data byte flipped in IDAT)', async () => {
    const bytes = Buffer.from(good);
    const idat = bytes.indexOf('IDAT', 0, 'latin1');
    bytes[idat + 6] = (bytes[idat + 6] as number) ^ 0xff;
    await expectError('bad-crc.png', bytes, /CRC mismatch in chunk IDAT at byte \d+ \(stored 0x[0-9a-f]{8}, computed/);
  });

  it('truncated inside a chunk', async () => {
    await expectError('truncated.png', good.subarray(0, good.length - 20), /truncated PNG: chunk IDAT at byte \d+ needs/);
  });

  it('truncated before IEND', async () => {
    await expectError('no-iend.png', good.subarray(0, good.length - 12), /truncated PNG: file ends at byte \d+, before the IEND/);
  });

  it('transparent pixels', async () => {
    await expectError(
      'transparent.png',
      await readFile(join(IMAGE_FIXTURES, 'pillow-rgba-transparent.png')),
      /has alpha \d+; only opaque images are supported/,
    );
  });
});
