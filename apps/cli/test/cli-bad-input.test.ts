import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir } from './run-cli.js';

const model = fixture('models/test/closed-form');

describe('denoise sample rejects bad input with exit code 2, a message naming it, and nothing written', () => {
  const badConfig = join(tempDir(), 'bad-config.json');
  writeFileSync(badConfig, JSON.stringify({ beta_start: 0.02, beta_end: 0.0001, beta_schedule: 'linear' }));
  const dpmBadOrder = join(tempDir(), 'dpm-config.json');
  writeFileSync(dpmBadOrder, JSON.stringify({ _class_name: 'DPMSolverMultistepScheduler', solver_order: 5 }));
  const cases: [string, string[], RegExp][] = [
    ['a missing model', ['--model', fixture('models/test/nope')], /nope: no such file or folder/],
    ['a text file as model', ['--model', fixture('models/test/bad/not-onnx.onnx')], /not-onnx\.onnx: not an ONNX file/],
    ['a truncated model', ['--model', fixture('models/test/bad/truncated.onnx')], /truncated\.onnx: truncated or corrupt ONNX file/],
    ['a model with a rank-3 sample', ['--model', fixture('models/test/bad/rank3-sample.onnx'), '--scheduler-config', join(model, 'scheduler_config.json')], /has rank 3, not 4/],
    ['a model without a scheduler config', ['--model', fixture('models/test/fp16io.onnx')], /no scheduler_config\.json found with .*fp16io\.onnx; pass --scheduler-config/],
    ['an invalid scheduler config, naming the file', ['--model', model, '--scheduler-config', badConfig], /bad-config\.json: invalid beta_end/],
    ['noise of the wrong image size', ['--model', fixture('models/test/rgb'), '--noise', fixture('npy/noise-1x1x8x8-float32.npy')], /does not fit the model, which takes \[N, 3, 16, 16\]/],
    ['a Fortran-order .npy as noise', ['--model', model, '--noise', fixture('npy/bad-fortran-order.npy')], /bad-fortran-order\.npy: .*Fortran/],
    ['a missing noise file', ['--model', model, '--noise', fixture('npy/nope.npy')], /--noise .*nope\.npy: cannot read \(ENOENT\)/],
    ['zero steps', ['--model', model, '--steps', '0'], /--steps.*expected an integer ≥ 1, got '0'/],
    ['more steps than training timesteps', ['--model', model, '--steps', '1001'], /1001/],
    ['an unknown sampler', ['--model', model, '--sampler', 'lms'], /Allowed choices are ddpm, ddim, dpm-solver, unipc, euler, euler-a, heun, pndm, lcm/],
    ['--eta with a sampler other than ddim', ['--model', model, '--sampler', 'dpm-solver', '--eta', '0.5'], /--eta applies to the ddim sampler only/],
    ['--prev-timestep with euler', ['--model', model, '--sampler', 'euler', '--prev-timestep', 'schedule'], /--prev-timestep applies to the ddim and pndm samplers only/],
    ['--spacing with lcm', ['--model', model, '--sampler', 'lcm', '--spacing', 'trailing'], /--spacing does not apply to the lcm sampler/],
    ['more lcm steps than its original schedule', ['--model', model, '--sampler', 'lcm', '--steps', '51'], /invalid num_inference_steps: got 51; allowed: an integer in \[1, 50\]/],
    ['a config option the sampler refuses', ['--model', model, '--sampler', 'dpm-solver', '--scheduler-config', dpmBadOrder], /solver_order: got 5; allowed: an integer in \[1, 3\]/],
    ['a negative eta', ['--model', model, '--eta=-1'], /expected a number ≥ 0, got '-1'/],
    ['an unusable execution provider', ['--model', model, '--ep', 'cuda'], /'cuda' is not usable here/],
    ['--deepcache on an ONNX file', ['--model', model, '--deepcache', '3'], /an ONNX file's graph cannot be cut/],
    ['--deepcache 1', ['--model', fixture('models/fmnist-unet'), '--deepcache', '1'], /--deepcache <n>' argument '1' is invalid. expected an integer ≥ 2/],
    ['a DeepCache branch beyond the UNet', ['--model', fixture('models/fmnist-unet'), '--deepcache', '3', '--deepcache-branch', '6'], /DeepCache branch 6 is beyond this UNet: it has 6 skip connections, so the branch is an integer 0 … 5/],
    ['--deepcache-branch without --deepcache', ['--model', fixture('models/fmnist-unet'), '--deepcache-branch', '1'], /--deepcache-branch applies with --deepcache N only/],
    ['--precision int8 on an ONNX file', ['--model', model, '--precision', 'int8'], /precision 'int8' is supported for a diffusers UNet2DModel folder .* not for an ONNX file/],
    ['--int8-calibration without --precision int8', ['--model', fixture('models/fmnist-unet'), '--int8-calibration', 'minmax'], /--int8-calibration applies with --precision int8 only/],
    ['a static-batch model asked for another batch', ['--model', fixture('models/test/static-batch-2.onnx'), '--scheduler-config', join(model, 'scheduler_config.json'), '--batch', '3'], /fixed to batch 2/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const out = join(tempDir(), 'out');
      const run = await runCli([...args, '--out', out, '--out-npy', join(out, 'x.npy')]);
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it('--help exits 0 and documents every option of the design card', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const option of ['--model', '--scheduler-config', '--sampler', '--steps', '--eta', '--spacing', '--seed', '--noise', '--generator', '--batch', '--out', '--grid', '--out-npy', '--ep', '--threads', '--json']) {
      expect(run.stdout).toContain(option);
    }
  });
});

describe('denoise sample: options and files that need no model are refused before it is built', () => {
  const folder = fixture('models/fmnist-unet');
  const cases: [string, string[], string][] = [
    ['--eta with --sampler dpm-solver', ['--sampler', 'dpm-solver', '--eta', '0.5'], '--eta applies to the ddim sampler only'],
    ['--prev-timestep with --sampler euler', ['--sampler', 'euler', '--prev-timestep', 'schedule'], '--prev-timestep applies to the ddim and pndm samplers only'],
    ['a missing --scheduler-config', ['--scheduler-config', join(tempDir(), 'nope.json')], 'nope.json: cannot read (ENOENT)'],
    ['--first-image beyond the per-image seeds', ['--per-image-seeds', '--first-image', '4294967295', '--batch', '2'], 'image 4294967296 has no seed; per-image seeds go up to image 4294967295'],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const run = await runCli(['--model', folder, '--steps', '2', ...args, '--out', join(tempDir(), 'out')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/^built /m);
    });
  }
});

describe('denoise sample: a batch that cannot fit in memory', () => {
  it('is refused before the first model call (exit 2), with the estimate, the free memory and how many would fit', async () => {
    const out = join(tempDir(), 'out');
    // 1000 images of 2048² through a UNet with attention at 128²: 2.3 GiB per image at least, 2.2 TiB in all.
    const run = await runCli(['--model', fixture('diffusers-unet/ddpm-256-tiny'), '--height', '2048', '--width', '2048', '--batch', '1000', '--steps', '2', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/a batch of 1000 2048×2048 images needs at least \d+\.\d GiB of activations \(2\.3 GiB per image, of which 2\.0 GiB of attention scores\), but [\d.]+ GiB of memory is free; at most \d+ image\(s\) per batch fit \(--batch\)/);
    expect(run.stderr).not.toMatch(/steps\/s/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);
});
