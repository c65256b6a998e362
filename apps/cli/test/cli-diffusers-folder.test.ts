import { cpSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng, writeNpy } from '@denoise/image';
import { buildUNetModel, locateDiffusersUNet } from '@denoise/diffusers';
import { fixture, runCli, tempDir } from './run-cli.js';

const cifar = fixture('diffusers-unet/ddpm-cifar10-32-tiny');

describe('denoise sample runs diffusers UNet2DModel folders directly', { timeout: 60_000 }, () => {
  it('a reference folder, DDIM-10 seeded: PNGs with provenance, the model hash over config.json + weights', async () => {
    const out = join(tempDir(), 'out');
    const run = await runCli(['--model', cifar, '--steps', '10', '--seed', '0', '--batch', '2', '--out', out, '--json']);
    expect(run.stderr).toMatch(/built .*ddpm-cifar10-32-tiny \(0\.1 M parameters, safetensors\)/);
    expect(run.stderr).toMatch(/using diffusers' DDPMScheduler defaults/);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['sample-000.png', 'sample-001.png']);
    const png = await readPng(join(out, 'sample-000.png'));
    const expectedSha = createHash('sha256')
      .update(readFileSync(join(cifar, 'config.json')))
      .update(readFileSync(join(cifar, 'diffusion_pytorch_model.safetensors')))
      .digest('hex');
    expect(png.text['denoise:model-sha256']).toBe(expectedSha);
    expect(png.image.width).toBe(16);
    const summary = JSON.parse(run.stdout) as { steps: number; batch: number };
    expect(summary).toMatchObject({ steps: 10, batch: 2 });
  });

  it('the same images from the .bin copy of the weights and from --height/--width at the config size', async () => {
    const npy = (dir: string) => join(dir, 'x0.npy');
    const a = tempDir();
    const b = tempDir();
    const common = ['--steps', '4', '--seed', '1', '--batch', '1'];
    expect((await runCli(['--model', cifar, ...common, '--out', a, '--out-npy', npy(a)])).code).toBe(0);
    const bin = fixture('torch-bin/ddpm-cifar10-32-tiny');
    const run = await runCli(['--model', bin, ...common, '--height', '16', '--width', '16', '--out', b, '--out-npy', npy(b)]);
    expect(run.stderr).toMatch(/torch-bin/);
    expect(run.code).toBe(0);
    expect(readFileSync(npy(b)).equals(readFileSync(npy(a)))).toBe(true);
  });

  it('a class-conditional model samples with --class-label and refuses to run without one', async () => {
    const model = fixture('diffusers-unet/opt-learned-time-class-timestep');
    const missing = await runCli(['--model', model, '--steps', '2', '--out', join(tempDir(), 'o')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--class-label: .* is class-conditional: give a class label \(0 … 999\)/);
    const out = join(tempDir(), 'o');
    const run = await runCli(['--model', model, '--steps', '2', '--batch', '2', '--class-label', '4,9', '--out', out]);
    expect(run.code).toBe(0);
    expect((await readPng(join(out, 'sample-001.png'))).text['denoise:class-label']).toBe('9');
  });
});

describe('bad diffusers folders: exit 2, a message naming the file and the problem, nothing written', { timeout: 60_000 }, () => {
  const copy = () => {
    const dir = join(tempDir(), 'unet');
    cpSync(cifar, dir, { recursive: true });
    return dir;
  };
  const editConfig = (dir: string, edit: (c: Record<string, unknown>) => void) => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    edit(config);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };
  const pipeline = (unetClass: string) => {
    const root = tempDir();
    cpSync(cifar, join(root, 'unet'), { recursive: true });
    writeFileSync(join(root, 'model_index.json'), JSON.stringify({ unet: ['diffusers', unetClass], scheduler: ['diffusers', 'DDPMScheduler'] }));
    return root;
  };
  const withBin = (bin: string) => {
    const dir = join(tempDir(), 'unet');
    cpSync(join(cifar, 'config.json'), join(dir, 'config.json'));
    cpSync(bin, join(dir, 'diffusion_pytorch_model.bin'));
    return dir;
  };
  const truncated = () => {
    const dir = copy();
    truncateSync(join(dir, 'diffusion_pytorch_model.safetensors'), 4000);
    return dir;
  };
  const cases: [string, () => string[], RegExp][] = [
    ['an unsupported block type', () => ['--model', editConfig(copy(), (c) => ((c['up_block_types'] as string[])[0] = 'SkipUpBlock2D'))], /config\.json: up_block_types\[0\] "SkipUpBlock2D" is not supported/],
    ['weights of another shape', () => ['--model', editConfig(copy(), (c) => (c['block_out_channels'] = [8, 16, 16, 32]))], /the weights do not fit config\.json:\n\s+weight '.*' has shape/],
    ['a truncated safetensors file', () => ['--model', truncated()], /diffusion_pytorch_model\.safetensors: .*(past the end|truncated)/],
    ['a .bin whose pickle names another global', () => ['--model', withBin(fixture('torch-bin/code/os-system.bin'))], /wants to run code.*(posix|os)\.system|(posix|os)\.system.*run code/s],
    ['a pipeline whose unet is not a UNet2DModel', () => ['--model', pipeline('UNet2DConditionModel')], /the pipeline's unet is a UNet2DConditionModel/],
    ['a size the down-sampling cannot divide', () => ['--model', cifar, '--height', '20'], /sample size 20×16 does not fit the model: with 4 levels, height and width must be multiples of 8/],
    ['a class label for an unconditional model', () => ['--model', cifar, '--class-label', '1'], /is not class-conditional/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const out = join(tempDir(), 'out');
      const run = await runCli([...args(), '--steps', '2', '--out', out]);
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }
});

describe('an ONNX export with symbolic height and width', { timeout: 60_000 }, () => {
  it('runs with the size from --noise, and without a size is refused (exit 2) naming the flags that give one', async () => {
    const built = await buildUNetModel(await locateDiffusersUNet(cifar), { storage: 'embedded' });
    const dir = tempDir();
    writeFileSync(join(dir, 'model.onnx'), built.bytes);
    cpSync(fixture('models/fmnist-unet/scheduler_config.json'), join(dir, 'scheduler_config.json'));
    const noise = join(dir, 'noise.npy');
    await writeNpy(noise, { dtype: 'float32', shape: [1, 3, 8, 24], data: Float32Array.from({ length: 3 * 8 * 24 }, (_, i) => Math.cos(i)) });
    const out = join(tempDir(), 'o');
    const run = await runCli(['--model', dir, '--noise', noise, '--steps', '2', '--out', out]);
    expect(run.stderr).toMatch(/wrote 1 image/);
    expect(run.code).toBe(0);
    expect((await readPng(join(out, 'sample-000.png'))).image).toMatchObject({ width: 24, height: 8 });
    const refused = await runCli(['--model', dir, '--steps', '2', '--out', join(tempDir(), 'o')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/symbolic height and no size was given: give a height and width, or noise of that shape \(--height and --width, or --noise\)/);
  });
});

describe('denoise sample --deepcache and --precision int8', () => {
  it('samples the embedded model with both, saying on load what runs how', async () => {
    const out = join(tempDir(), 'out');
    const cache = tempDir();
    const run = await runCli(['--deepcache', '3', '--precision', 'int8', '--steps', '6', '--batch', '2', '--out', out], undefined, { ...process.env, DENOISE_CACHE: cache });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`measured in`);
    expect(run.stderr).toContain(`cached in ${join(cache, 'int8-calibration')}`);
    expect(run.stderr).toMatch(/^int8: 33 convolutions in int8; float32: conv_in, conv_out, \d+ attention layers, \d+ time-embedding layers; activation ranges \(percentile, 4 ddim runs × 10 steps\)/m);
    expect(run.stderr).toMatch(/^DeepCache: one full call in 3 \(uniform\), branch 0 of 0 … 5; the shallow forward reads \d+\.\d % of the weights/m);
    expect(readdirSync(out).sort()).toEqual(['sample-000.png', 'sample-001.png']);
  });
});
