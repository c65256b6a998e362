import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rgba8Image } from '../src/image-types.js';
import { decodePng, encodePng } from '../src/png-codec.js';
import { readPng, writePng } from '../src/png-file.js';
import { PNG_TEXT_KEYS } from '../src/png-metadata.js';

function pattern(channels: 1 | 3): Rgba8Image {
  const width = 32;
  const height = 17;
  const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + (i >> 5)) % 256);
  return { width, height, channels, pixels };
}

const text = {
  [PNG_TEXT_KEYS.modelSha256]: 'a'.repeat(64),
  [PNG_TEXT_KEYS.sampler]: 'ddim',
  [PNG_TEXT_KEYS.steps]: '50',
  [PNG_TEXT_KEYS.eta]: '0',
  [PNG_TEXT_KEYS.seed]: '0',
  [PNG_TEXT_KEYS.model]: '/models/Größe/✓ unet', // needs iTXt
};

describe('PNG round trip', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denoise-png-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const channels of [1, 3] as const) {
    it(`keeps ${channels}-channel pixels and text metadata exactly, through a file`, async () => {
      const image = pattern(channels);
      const path = join(dir, `image-${channels}.png`);
      await writePng(path, image, text);
      const read = await readPng(path);
      expect(read.image).toEqual(image);
      expect(read.text).toEqual(text);
      expect(await readdir(dir)).toEqual([`image-${channels}.png`]);
    });
  }

  it('writes 8-bit grayscale for 1 channel and 8-bit RGB for 3 (IHDR bit depth and colour type)', () => {
    expect([...encodePng(pattern(1)).subarray(24, 26)]).toEqual([8, 0]);
    expect([...encodePng(pattern(3)).subarray(24, 26)]).toEqual([8, 2]);
  });

  it('is deterministic: the same image and text give the same bytes', () => {
    expect(encodePng(pattern(3), text).equals(encodePng(pattern(3), text))).toBe(true);
  });

  it('stores Latin-1 values as tEXt and others (Unicode, tabs) as iTXt', () => {
    const bytes = encodePng(pattern(1), { a: 'ascii', b: 'Größe', c: '✓', d: 'tab\there' });
    const types = [...bytes.toString('latin1').matchAll(/(tEXt|iTXt)([a-d])\0/g)].map((m) => `${m[2]}:${m[1]}`);
    expect(types).toEqual(['a:tEXt', 'b:tEXt', 'c:iTXt', 'd:iTXt']);
    expect(decodePng(bytes).text).toEqual({ a: 'ascii', b: 'Größe', c: '✓', d: 'tab\there' });
  });

  it('decodes an image without text to an empty record', () => {
    expect(decodePng(encodePng(pattern(1))).text).toEqual({});
  });

  it('rejects invalid text keywords', () => {
    expect(() => encodePng(pattern(1), { ' leading': 'x' })).toThrow(/invalid PNG text keyword/);
    expect(() => encodePng(pattern(1), { ['k'.repeat(80)]: 'x' })).toThrow(/invalid PNG text keyword/);
  });
});
