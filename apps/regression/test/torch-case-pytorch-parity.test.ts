/**
 * The torch-generator golden case is anchored to PyTorch: its x_T is `torch.manual_seed(0); torch.randn(...)`,
 * the noise of the samples.png that tools/denoise_tools/train_fixture/export.py made with a PyTorch loop, so its images
 * must be that grid's first tiles. (torch's CPU randn fills sizes ≥ 16 in order, so randn(4, …) is the start
 * of randn(64, …).) The philox cases have no outside reference; this one ties the suite to diffusers' world.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { psnr, readPng, ssim, type Rgba8Image } from '@denoise/image';
import { goldenStrip, stripTile } from '../src/golden-image.js';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { GoldenRunner, manifestDir } from '../src/golden-run.js';
import { defaultManifestPath } from '../src/repo-paths.js';

interface ModelSamples {
  readonly file: string;
  /** The same grid made by PyTorch (tools/denoise_tools/train_fixture/export.py): the outside reference. */
  readonly pytorch_file: string;
  readonly sampler: string;
  readonly steps: number;
  readonly eta: number;
  readonly timestep_spacing: string;
  readonly seed: number;
}

const manifestPath = defaultManifestPath();
const manifest = await readGoldenManifest(manifestPath);
// The torch-generator cases of a model with PyTorch-made samples (model.json); the SD cases are anchored to diffusers by
// the CLI's txt2img parity test instead.
const torchCases = manifest.cases.filter((c) => c.generator === 'torch' && existsSync(join(manifestDir(manifestPath), c.model, 'model.json')));
const runner = new GoldenRunner(manifest.runtime, { manifestPath });
afterAll(() => runner.dispose());

describe('the torch-generator golden case', () => {
  it('exists in the manifest', () => expect(torchCases.length).toBeGreaterThan(0));

  it.each(torchCases.map((c) => [c.name, c] as const))('%s reproduces the PyTorch-made samples.png of its model', async (_name, goldenCase) => {
    const modelDir = join(manifestDir(manifestPath), goldenCase.model);
    const samples = (JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { samples: ModelSamples }).samples;
    expect({ sampler: goldenCase.sampler, steps: goldenCase.steps, eta: goldenCase.eta, spacing: goldenCase.timestepSpacing, seed: goldenCase.seed }).toEqual({
      sampler: samples.sampler,
      steps: samples.steps,
      eta: samples.eta,
      spacing: samples.timestep_spacing,
      seed: samples.seed,
    });
    const { image: grid } = await readPng(join(modelDir, samples.pytorch_file));
    const run = await runner.run(goldenCase);
    const [batch, , height, width] = run.shape;
    const strip = goldenStrip(run);
    for (let i = 0; i < batch; i++) {
      const reference = gridTile(grid, i, { width, height });
      const received = stripTile(strip, batch, { width, height }, i);
      expect(ssim(reference, received), `image ${i}: SSIM vs samples.png`).toBeGreaterThanOrEqual(goldenCase.ssimThreshold);
      expect(psnr(reference, received), `image ${i}: PSNR vs samples.png`).toBeGreaterThanOrEqual(goldenCase.psnrFloorDb);
    }
  });
});

/** Tile `index` of a square torchvision-style grid with 2 px padding (model.json: "8x8, 2 px padding"). */
function gridTile(grid: Rgba8Image, index: number, tile: { width: number; height: number }): Rgba8Image {
  const columns = Math.round((grid.width - 2) / (tile.width + 2));
  const left = 2 + (index % columns) * (tile.width + 2);
  const top = 2 + Math.floor(index / columns) * (tile.height + 2);
  const pixels = new Uint8Array(tile.width * tile.height);
  for (let y = 0; y < tile.height; y++) {
    for (let x = 0; x < tile.width; x++) pixels[y * tile.width + x] = grid.pixels[((top + y) * grid.width + left + x) * grid.channels] as number;
  }
  return { width: tile.width, height: tile.height, channels: 1, pixels };
}
