import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, readWeightBytes } from '@denoise/diffusers';
import { RANDOM_FID_INCEPTION_SHA256, randomFidInceptionWeights } from '../src/index.js';
import { sha256File } from '../src/model-files.js';
import { fidInceptionFixture } from './fixtures.js';

interface LayoutEntry {
  readonly key: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly sha256_le: string;
}

/**
 * randomFidInceptionWeights reproduces the fid-inception reference's make_weights.py --safetensors byte for byte:
 * every tensor's bytes (weights-layout.json, the reference's) and the whole file (the reference README's sha256).
 */
describe('random FID Inception weights', () => {
  it('writes the reference file: each of the 566 tensors and the whole file hash as make_weights.py wrote them', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'denoise-fid-weights-'));
    try {
      const path = await randomFidInceptionWeights({ cacheDir: cache });
      expect(path).toBe(join(cache, 'fid-inception-random-20241129', 'pt_inception-random.safetensors'));
      expect(await sha256File(path)).toBe(RANDOM_FID_INCEPTION_SHA256);
      await expectReferenceTensors(path);
      // Written once: a second call finds the file.
      const written = (await stat(path)).mtimeMs;
      expect(await randomFidInceptionWeights({ cacheDir: cache })).toBe(path);
      expect((await stat(path)).mtimeMs).toBe(written);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 60_000);
});

async function expectReferenceTensors(path: string): Promise<void> {
  const layout = JSON.parse(await readFile(fidInceptionFixture('weights-layout.json'), 'utf8')) as { readonly tensors: readonly LayoutEntry[] };
  const file = await readSafetensors(path);
  expect([...file.tensors.keys()]).toEqual(layout.tensors.map((t) => t.key));
  for (const entry of layout.tensors) {
    const tensor = file.tensors.get(entry.key)!;
    expect({ key: entry.key, dtype: tensor.dtype, shape: tensor.shape }).toEqual({ key: entry.key, dtype: entry.dtype === 'float32' ? 'F32' : 'I64', shape: entry.shape });
    const digest = createHash('sha256').update(await readWeightBytes(file, tensor)).digest('hex');
    expect(digest, entry.key).toBe(entry.sha256_le);
  }
}
