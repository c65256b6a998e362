/**
 * What happens when the model is replaced (as when the final fmnist-unet lands): every check says "stale,
 * regenerate", `--update` reports the new model hash and the SSIM against the old golden, and the check
 * passes again. The swap is done on a copy of the model folder, with fmnist-unet-fp16io's model.onnx
 * (the same weights behind float16 inputs: another sha256, slightly different images).
 */
import { copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGoldenCase } from '../src/golden-check.js';
import { readGoldenManifest, type GoldenCase } from '../src/golden-manifest.js';
import { GoldenRunner } from '../src/golden-run.js';
import { formatGoldenUpdate, updateGoldens } from '../src/golden-update.js';
import { repoRoot } from '../src/repo-paths.js';
import { BASE_CASE, tempGoldens } from './temp-goldens.js';

const fixture = (path: string) => join(repoRoot(), 'fixtures', 'models', path);

async function checkAll(manifestPath: string, artifactsDir: string) {
  const manifest = await readGoldenManifest(manifestPath);
  const runner = new GoldenRunner(manifest.runtime, { manifestPath });
  try {
    const goldenCase = manifest.cases[0] as GoldenCase;
    return await checkGoldenCase(goldenCase, await runner.run(goldenCase), { goldenDir: join(manifestPath, '..'), artifactsDir });
  } finally {
    await runner.dispose();
  }
}

describe('a model swap', () => {
  it('makes the goldens stale until `--update`, which reports the new model hash', async () => {
    // The manifest's model path is relative to the manifest's folder (temp/golden/): the model lies beside it in temp/model.
    const { dir, manifestPath, artifactsDir } = await tempGoldens([{ ...BASE_CASE, name: 'ddim-5-seed0', steps: 5, model: '../model' }]);
    const model = join(dir, 'model');
    cpSync(fixture('fmnist-unet'), model, { recursive: true, filter: (src) => !src.endsWith('.pt') && !src.endsWith('.png') });
    await updateGoldens({ manifestPath });
    expect((await checkAll(manifestPath, artifactsDir)).state).toBe('pass');

    copyFileSync(fixture('fmnist-unet-fp16io/model.onnx'), join(model, 'model.onnx'));
    const stale = await checkAll(manifestPath, artifactsDir);
    expect(stale.state).toBe('stale');
    expect(stale.message).toContain('the model changed, so the goldens are stale. Regenerate them with `pnpm test:golden --update`');

    const update = await updateGoldens({ manifestPath });
    const [change] = update.changes;
    if (change?.state !== 'changed') throw new Error(`expected changed, got ${change?.state}`);
    expect(change.why).toMatch(/^model sha256 [0-9a-f]{12}… → [0-9a-f]{12}…$/);
    expect(change.minSsimVsOld).toBeGreaterThan(0.9); // same weights, float16 at the boundary
    expect(formatGoldenUpdate(update, dir)).toContain('1 case: 0 new, 1 changed, 0 unchanged.');
    expect((await checkAll(manifestPath, artifactsDir)).state).toBe('pass');
  });
});

