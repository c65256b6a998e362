import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DDIMScheduler } from '@denoise/schedule';
import { textToImage } from '@denoise/sampler';
import { openModel, resolveModelReference } from '../src/index.js';

/**
 * `synthetic:NAME` for a pipeline of the catalog writes the published configs with seeded random weights and the real
 * tokenizer files, once, into $DENOISE_CACHE; the folder opens as a text-to-image pipeline and generates. The catalog
 * here holds the tiny reference pipeline's configs (the real SD 1.5 writes 4.3 GB).
 */
const SD = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));

describe('synthetic: text-to-image pipelines', () => {
  it('writes the architecture once with random weights and the real vocabulary; it generates finite images', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'denoise-synthetic-'));
    const previous = process.env['DENOISE_CACHE'];
    process.env['DENOISE_CACHE'] = cache;
    try {
      const catalog = { unetConfigs: join(SD, 'published'), pipelines: SD, vocabulary: join(SD, 'sd1-tiny', 'tokenizer') };
      const lines: string[] = [];
      const first = await resolveModelReference('synthetic:sd1-tiny', { syntheticCatalog: catalog, log: (l) => lines.push(l) });
      expect(first.localPath).toBe(join(cache, 'synthetic', 'sd1-tiny-seed0'));
      expect(lines.join('\n')).toMatch(/unet 0\.4 M, vae 0\.0 M, text_encoder 0\.4 M parameters/);
      for (const file of ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'unet/config.json', 'model_index.json']) {
        expect(readFileSync(join(first.localPath, file))).toEqual(readFileSync(join(SD, 'sd1-tiny', file)));
      }
      const again: string[] = [];
      await resolveModelReference('synthetic:sd1-tiny', { syntheticCatalog: catalog, log: (l) => again.push(l) });
      expect(again).toEqual([]);

      const model = await openModel('synthetic:sd1-tiny', { syntheticCatalog: catalog, threads: 1 });
      if (model.kind !== 'text-to-image') throw new Error('expected a pipeline');
      try {
        const result = await textToImage({
          model: model.textToImageModel(),
          scheduler: DDIMScheduler.fromConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 }),
          steps: 3,
          prompts: ['a red bicycle'],
          guidanceScale: 7.5,
          height: 32,
          width: 32,
        });
        expect(result.images.every((v) => Number.isFinite(v))).toBe(true);
        expect(Math.max(...result.images) - Math.min(...result.images)).toBeGreaterThan(0.1);
      } finally {
        await model.dispose();
      }
    } finally {
      if (previous === undefined) delete process.env['DENOISE_CACHE'];
      else process.env['DENOISE_CACHE'] = previous;
    }
  }, 60_000);
});
