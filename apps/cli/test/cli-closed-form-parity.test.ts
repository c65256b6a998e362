import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG_TEXT_KEYS, readNpy, readPng, writeNpy } from '@denoise/image';
import { torchRandn } from '@denoise/schedule';
import { AffineDenoiser, createScheduler, sample, type SamplerKind } from '@denoise/sampler';
import { fixture, runCli, tempDir } from './run-cli.js';

const model = fixture('models/test/closed-form');
const config = JSON.parse(readFileSync(join(model, 'scheduler_config.json'), 'utf8')) as unknown;

/** The closed-form model as the int64-timestep ONNX file sees it: t truncated toward zero. */
class TruncatedTimesteps extends AffineDenoiser {
  override predict(sample: Float32Array, timestep: number): Promise<Float32Array> {
    return super.predict(sample, Math.trunc(timestep));
  }
}

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

  // The fast samplers through the CLI and onnxruntime: x_T scaled by init_noise_sigma, the model input by
  // scale_model_input, Heun's and PNDM's extra calls, the SDE/ancestral/LCM noise drawn in diffusers' order.
  // The ONNX model takes int64 timesteps, so the fractional ones of Euler and Heun reach it truncated.
  const fast: [string, string[], SamplerKind, Record<string, unknown>, number][] = [
    ['DPM-Solver++ 2M, 10 steps', ['--sampler', 'dpm-solver', '--steps', '10'], 'dpm-solver', {}, 10],
    ['DPM-Solver++ SDE, 10 steps, Karras σ', ['--sampler', 'dpm-solver', '--steps', '10', '--scheduler-config', 'sde-karras'], 'dpm-solver', { algorithm_type: 'sde-dpmsolver++', use_karras_sigmas: true }, 10],
    ['UniPC, 8 steps', ['--sampler', 'unipc', '--steps', '8'], 'unipc', {}, 8],
    ['Euler, 12 steps', ['--sampler', 'euler', '--steps', '12'], 'euler', {}, 12],
    ['Euler ancestral, 12 steps', ['--sampler', 'euler-a', '--steps', '12'], 'euler-a', {}, 12],
    ['Heun, 6 steps', ['--sampler', 'heun', '--steps', '6'], 'heun', {}, 11],
    ['PNDM, 10 steps', ['--sampler', 'pndm', '--steps', '10'], 'pndm', {}, 19],
    ['LCM, 4 steps', ['--sampler', 'lcm', '--steps', '4'], 'lcm', {}, 4],
  ];
  for (const [name, args, kind, overrides, calls] of fast) {
    it(`${name}: ${calls} model calls, within 1e-5 of the same loop over AffineDenoiser`, async () => {
      const dir = tempDir();
      const configArgs = [...args];
      const at = configArgs.indexOf('sde-karras');
      if (at >= 0) {
        configArgs[at] = join(dir, 'scheduler_config.json');
        writeFileSync(configArgs[at]!, JSON.stringify({ ...(config as object), ...overrides }));
      }
      const run = await runCli(['--model', model, ...configArgs, '--seed', '3', '--batch', '2', '--out', dir, '--out-npy', join(dir, 'x0.npy'), '--threads', '1', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ sampler: kind, modelCalls: calls });
      const got = await readNpy(join(dir, 'x0.npy'));
      const steps = Number(args[args.indexOf('--steps') + 1]);
      const want = await sample({ scheduler: createScheduler(kind, config, overrides), denoiser: new TruncatedTimesteps(), batchSize: 2, seed: 3, steps });
      expect(want.timesteps.length).toBe(calls);
      let maxDiff = 0;
      want.samples.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (got.data[i] as number)))));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    });
  }

  it("picks the sampler a config's _class_name names, and reads the bare -Infinity diffusers writes", async () => {
    const dir = tempDir();
    const file = join(dir, 'scheduler_config.json');
    // As diffusers' save_config writes it: Python's json emits -Infinity unquoted.
    writeFileSync(file, '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "solver_order": 3, "timestep_spacing": "leading"}');
    const run = await runCli(['--model', model, '--scheduler-config', file, '--steps', '7', '--batch', '1', '--out', dir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('note: sampler dpm-solver chosen by the scheduler config');
    expect(JSON.parse(run.stdout)).toMatchObject({ sampler: 'dpm-solver', schedulerClass: 'DPMSolverMultistepScheduler', steps: 7, modelCalls: 7 });
    const ddpmConfig = await runCli(['--model', model, '--steps', '3', '--batch', '1', '--out', tempDir(), '--json']);
    expect(JSON.parse(ddpmConfig.stdout)).toMatchObject({ sampler: 'ddim', schedulerClass: 'DDIMScheduler' });
  });

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
    expect(summary).toMatchObject({ modelCalls: 5, schedulerClass: 'DDIMScheduler' });
  });
});
