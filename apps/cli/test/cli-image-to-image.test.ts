import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromPixels, readNpy, readPng, writePng } from '@denoise/image';
import { openModel } from '@denoise/runtime';
import { createScheduler } from '@denoise/sampler';
import { parsePythonJson, TorchGenerator } from '@denoise/schedule';
import { fixture, runCli, tempDir } from './run-cli.js';

/**
 * Image-to-image as StableDiffusionImg2ImgPipeline does it: the run starts at call t_start · order of the plan
 * (t_start = S − ⌊S · strength⌋), from scaling_factor · (mean + std · ε) of the init image's VAE latent distribution,
 * noised to the first timestep by the scheduler's add_noise — ε, then the noise, drawn from the run's generator before
 * any step. The first x_t the UNet sees is rebuilt here from the parts (the VAE encoder, torch's generator, the
 * scheduler), each checked against diffusers on its own elsewhere.
 */
const SD = fixture('diffusers-sd/sd1-tiny');
const INIT = fixture('golden/sd1-tiny-dpm-solver-10-neg.png'); // 36×36 RGB: a multiple of sd1-tiny's 4

async function expectedFirstSample(sampler: 'ddim' | 'dpm-solver', steps: number, strength: number, seed: number): Promise<{ sample: Float32Array; calls: number }> {
  const model = await openModel(SD, { threads: 1 });
  if (model.kind !== 'text-to-image') throw new Error('sd1-tiny is a pipeline');
  try {
    const scheduler = createScheduler(sampler, parsePythonJson(readFileSync(join(SD, 'scheduler', 'scheduler_config.json'), 'utf8')));
    scheduler.setTimesteps(steps);
    const tStart = steps - Math.floor(steps * strength);
    const index = tStart * scheduler.order;
    scheduler.setBeginIndex?.(index);
    const { image } = await readPng(INIT);
    const encoded = await model.textToImageModel().encodeImage!(fromPixels(image).data, { height: 18, width: 18 });
    const rng = new TorchGenerator(seed);
    const eps = rng.randn([1, 4, 18, 18]);
    const latents = Float32Array.from(eps, (e, i) => Math.fround(Math.fround(encoded.scalingFactor) * Math.fround(encoded.mean[i]! + Math.fround(encoded.std[i]! * e))));
    const noise = rng.randn([1, 4, 18, 18]);
    return { sample: scheduler.addNoise(latents, noise, scheduler.timesteps[index]!), calls: scheduler.timesteps.length - index };
  } finally {
    await model.dispose();
  }
}

describe('denoise sample --init-image (image-to-image)', () => {
  it.each([
    ['ddim', 10, 0.8],
    ['dpm-solver', 10, 0.5],
  ] as const)('%s-%d at strength %d starts from the noised image latents, for the last steps of the plan', async (sampler, steps, strength) => {
    const out = tempDir();
    const run = await runCli([
      '--model', SD, '--prompt', 'a cat', '--init-image', INIT, '--strength', String(strength), '--sampler', sampler, '--steps', String(steps),
      '--seed', '5', '--trace', join(out, 'trace'), '--out', join(out, 'images'), '--threads', '1', '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const expected = await expectedFirstSample(sampler, steps, strength, 5);
    const summary = JSON.parse(run.stdout) as { modelCalls: number; textToImage: { strength: number; height: number; width: number } };
    expect(summary.modelCalls).toBe(expected.calls);
    expect(summary.textToImage).toMatchObject({ strength, height: 36, width: 36 });
    const first = readdirSync(join(out, 'trace')).filter((f) => f.endsWith('-xt.npy')).sort()[0]!;
    const xt = (await readNpy(join(out, 'trace', first))).data as Float32Array;
    let diff = 0;
    for (let i = 0; i < xt.length; i++) diff = Math.max(diff, Math.abs(xt[i]! - expected.sample[i]!));
    expect(diff).toBeLessThanOrEqual(1e-5);
    const { text } = await readPng(join(out, 'images', 'sample-000.png'));
    expect(text['denoise:strength']).toBe(String(strength));
    expect(text['denoise:init-image-sha256']).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('with per-image seeds, image k of a batch is the image --first-image k makes alone', async () => {
    const dir = tempDir();
    const args = ['--model', SD, '--prompt', 'a cat', '--init-image', INIT, '--steps', '6', '--per-image-seeds', '--seed', '3', '--threads', '1'];
    const both = await runCli([...args, '--images-per-prompt', '2', '--out-npy', join(dir, 'both.npy'), '--out', join(dir, 'both')]);
    const second = await runCli([...args, '--first-image', '1', '--out-npy', join(dir, 'second.npy'), '--out', join(dir, 'second')]);
    expect(both.code, both.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const a = (await readNpy(join(dir, 'both.npy'))).data as Float32Array;
    const b = (await readNpy(join(dir, 'second.npy'))).data as Float32Array;
    expect(Array.from(a.subarray(a.length / 2))).toEqual(Array.from(b));
  }, 60_000);

  it('refuses a size the pipeline cannot take, --noise with it, --strength without it, and a strength that leaves no step', async () => {
    const out = tempDir();
    const refused = async (args: readonly string[], message: RegExp) => {
      const run = await runCli(['--model', SD, '--prompt', 'a cat', ...args, '--out', out]);
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
    };
    const odd = join(out, 'odd.png');
    await writePng(odd, { width: 30, height: 36, channels: 3, pixels: new Uint8Array(30 * 36 * 3).fill(128) });
    await refused(['--init-image', odd], /36×30 is not a multiple of 4; diffusers would resize it \(Lanczos\), denoise does not/);
    await refused(['--init-image', INIT, '--height', '32'], /its 36×36 size contradicts --height\/--width/);
    await refused(['--strength', '0.5'], /--strength applies with --init-image/);
    await refused(['--init-image', INIT, '--strength', '0.05', '--steps', '10'], /--strength: strength 0\.05 leaves no step of 10/);
  }, 60_000);
});
