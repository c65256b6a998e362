import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG_TEXT_KEYS, readNpy, readPng, writeNpy } from '@denoise/image';
import { torchRandn } from '@denoise/schedule';
import { AffineDenoiser, createScheduler, sample } from '@denoise/sampler';
import { fixture, runCli, tempDir } from './run-cli.js';

const model = fixture('models/test/closed-form');
const config = JSON.parse(readFileSync(join(model, 'scheduler_config.json'), 'utf8')) as unknown;

describe('denoise sample on the closed-form ONNX model reproduces the TypeScript loop', { timeout: 30_000 }, () => {
  const cases: [string, string[], Parameters<typeof sample>[0] extends infer O ? Partial<O> : never, 'ddim' | 'ddpm'][] = [
    ['DDIM-20 η=0', ['--sampler', 'ddim', '--steps', '20'], { steps: 20 }, 'ddim'],
    ['DDIM-10 η=0.5 philox', ['--sampler', 'ddim', '--steps', '10', '--eta', '0.5', '--generator', 'philox'], { steps: 10, eta: 0.5, generator: 'philox' }, 'ddim'],
    ['DDPM-50', ['--sampler', 'ddpm', '--steps', '50'], { steps: 50 }, 'ddpm'],
  ];
  for (const [name, args, options, kind] of cases) {
    it(`${name}: within 1e-5 of the same loop over AffineDenoiser`, async () => {
      const dir = tempDir();
      const run = await runCli(['--model', model, ...args, '--seed', '3', '--batch', '2', '--out', dir, '--out-npy', join(dir, 'x0.npy'), '--threads', '1']);
      expect(run.stderr).toContain('wrote 2 image(s)');
      expect(run.code).toBe(0);
      const got = await readNpy(join(dir, 'x0.npy'));
      expect(got.shape).toEqual([2, 1, 8, 8]);
      const want = await sample({ scheduler: createScheduler(kind, config), denoiser: new AffineDenoiser(), batchSize: 2, seed: 3, steps: 1, ...options });
      let maxDiff = 0;
      want.samples.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (got.data[i] as number)))));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      expect(readdirSync(dir).sort()).toEqual(['sample-000.png', 'sample-001.png', 'x0.npy']);
    });
  }

  it('gives byte-identical output for the same seed (DDIM and seeded DDPM), and PNGs carry their provenance', async () => {
    for (const sampler of ['ddim', 'ddpm']) {
      const [a, b] = [tempDir(), tempDir()];
      for (const dir of [a, b]) {
        const run = await runCli(['--model', model, '--sampler', sampler, '--steps', '25', '--seed', '9', '--batch', '3', '--out', dir, '--out-npy', join(dir, 'x.npy')]);
        expect(run.code).toBe(0);
      }
      expect(readFileSync(join(a, 'x.npy')).equals(readFileSync(join(b, 'x.npy')))).toBe(true);
      expect(readFileSync(join(a, 'sample-002.png')).equals(readFileSync(join(b, 'sample-002.png')))).toBe(true);
      const { text } = await readPng(join(a, 'sample-001.png'));
      expect(text[PNG_TEXT_KEYS.sampler]).toBe(sampler);
      expect(text[PNG_TEXT_KEYS.steps]).toBe('25');
      expect(text[PNG_TEXT_KEYS.seed]).toBe('9');
      expect(text[PNG_TEXT_KEYS.executionProvider]).toBe('cpu');
      expect(text[PNG_TEXT_KEYS.modelSha256]).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('takes x_T from --noise (its shape sets the batch) and prints a JSON summary', async () => {
    const dir = tempDir();
    const noise = join(dir, 'noise.npy');
    await writeNpy(noise, { dtype: 'float32', shape: [3, 1, 8, 8], data: torchRandn(4, [3, 1, 8, 8]) });
    const run = await runCli(['--model', model, '--noise', noise, '--steps', '5', '--out', dir, '--json', '--grid']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ sampler: 'ddim', steps: 5, batch: 3, executionProvider: 'cpu', generator: 'torch' });
    expect(summary['files']).toHaveLength(3);
    const fromNpy = await runCli(['--model', model, '--noise', fixture('npy/noise-1x1x8x8-float32.npy'), '--steps', '5', '--out', tempDir(), '--json']);
    expect(JSON.parse(fromNpy.stdout)).toMatchObject({ batch: 1 });
    expect(summary['grid']).toBe(join(dir, 'grid.png'));
    expect(summary['stepsPerSec']).toBeGreaterThan(0);
  });
});
