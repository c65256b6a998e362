import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from '@denoise/image';
import { fixture, runCli, tempDir } from './run-cli.js';

/**
 * What a user gets wrong with a text-to-image pipeline, or with text-to-image flags on an unconditional model:
 * each refused with exit 2 and a message naming the flag or value and what is allowed, with nothing written.
 */
const SD = fixture('diffusers-sd/sd1-tiny');
const LCM = fixture('diffusers-sd/lcm-tiny');
const UNCONDITIONAL = fixture('diffusers-unet/ddpm-cifar10-32-tiny');

async function refused(args: readonly string[], message: RegExp): Promise<void> {
  const out = tempDir();
  const run = await runCli([...args, '--out', join(out, 'images'), '--steps', '2']);
  expect(run.stderr).toMatch(message);
  expect(run.code, run.stderr).toBe(2);
  expect(existsSync(join(out, 'images')) ? readdirSync(join(out, 'images')) : []).toEqual([]);
}

describe('text-to-image input that cannot be used is refused with exit 2', () => {
  it('a pipeline without --prompt, --batch or --class-label on a pipeline', async () => {
    await refused(['--model', SD], /sd1-tiny is a text-to-image pipeline \(StableDiffusionPipeline\): pass --prompt TEXT/);
    await refused(['--model', SD, '--prompt', 'a cat', '--batch', '3'], /--batch applies to unconditional models; a text-to-image pipeline makes --images-per-prompt images per --prompt/);
    await refused(['--model', SD, '--prompt', 'a cat', '--class-label', '1'], /--class-label: .* is conditioned on text, not on class labels/);
  }, 60_000);

  it('text-to-image flags on an unconditional model', async () => {
    await refused(['--model', UNCONDITIONAL, '--prompt', 'a cat'], /--prompt: .* is an unconditional model \(no text encoder\)/);
    await refused(['--model', UNCONDITIONAL, '--guidance-scale', '5', '--clip-skip', '1'], /--guidance-scale, --clip-skip: .* is an unconditional model/);
  }, 60_000);

  it('a size the VAE and the UNet cannot take, a clip skip past the text encoder, negative prompts that do not pair', async () => {
    await refused(['--model', SD, '--prompt', 'a cat', '--height', '30', '--width', '32'], /--height 30 --width 32: both must be multiples of 4 \(the VAE's scale factor 2 × the UNet's downsampling 2\); e\.g\. 32×32/);
    await refused(['--model', SD, '--prompt', 'a cat', '--clip-skip', '5'], /--clip-skip 5: the text encoder has 5 layers; at most 4/);
    await refused(['--model', SD, '--prompt', 'a', '--prompt', 'b', '--negative-prompt', 'x', '--negative-prompt', 'y', '--negative-prompt', 'z'], /3 --negative-prompt for 2 --prompt/);
    await refused(['--model', SD, '--prompt', 'a cat', '--guidance-rescale', '2'], /--guidance-rescale.*expected a number in \[0, 1\], got '2'/);
    await refused(['--model', SD, '--prompt', 'a cat', '--original-size', '64,64', '--target-size', '32,32'], /--original-size, --target-size: SDXL's size conditioning; .*sd1-tiny's UNet \(StableDiffusionPipeline\) does not take it/);
    await refused(['--model', fixture('diffusers-sd/sdxl-tiny'), '--prompt', 'a cat', '--crop-top-left', '8x16'], /--crop-top-left.*expected top,left as two integers ≥ 0, e\.g\. 1024,1024; got '8x16'/);
    await refused(['--model', UNCONDITIONAL, '--original-size', '32,32'], /--original-size: .* is an unconditional model/);
  }, 60_000);

  it('--noise latents of the wrong shape or count', async () => {
    const dir = tempDir();
    const file = join(dir, 'latents.npy');
    await writeNpy(file, { dtype: 'float32', shape: [1, 3, 16, 16], data: new Float32Array(768) });
    await refused(['--model', SD, '--prompt', 'a cat', '--noise', file], /--noise .*latents\.npy: shape \[1, 3, 16, 16\] does not fit the pipeline's latents for 32×32 images, which takes \[N, 4, 16, 16\]/);
    const two = join(dir, 'two.npy');
    await writeNpy(two, { dtype: 'float32', shape: [2, 4, 16, 16], data: new Float32Array(2048) });
    await refused(['--model', SD, '--prompt', 'a cat', '--noise', two], /--noise .*two\.npy: 2 latent\(s\) for 1 image\(s\) \(1 prompt\(s\) × 1 per prompt\)/);
  }, 60_000);
});

describe('a latent consistency model (LatentConsistencyModelPipeline)', () => {
  it('runs lcm at its default guidance 8.5 as an embedding; negative prompts are noted as having no effect', async () => {
    const out = tempDir();
    const run = await runCli(['--model', LCM, '--prompt', 'a cat', '--negative-prompt', 'blurry', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: sampler lcm chosen by the scheduler config's _class_name \(LCMScheduler\)/);
    expect(run.stderr).toMatch(/note: --negative-prompt has no effect: a latent consistency model takes the guidance scale as an embedding/);
    const summary = JSON.parse(run.stdout) as { sampler: string; steps: number; modelCalls: number; textToImage: { guidanceScale: number; guidance: string } };
    expect(summary).toMatchObject({ sampler: 'lcm', steps: 4, modelCalls: 4, textToImage: { guidanceScale: 8.5, guidance: 'embedding' } });
  }, 60_000);

  it('--original-steps belongs to lcm, and caps its steps', async () => {
    await refused(['--model', SD, '--prompt', 'a cat', '--sampler', 'ddim', '--original-steps', '25'], /--original-steps applies to the lcm sampler only/);
    await refused(['--model', LCM, '--prompt', 'a cat', '--original-steps', '1'], /invalid num_inference_steps: got 2; allowed: an integer in \[1, 1\]/);
  }, 60_000);
});

describe('a prompt over the text encoder’s limit', () => {
  it('is cut as diffusers cuts it, with a note saying by how much; the run succeeds', async () => {
    const out = tempDir();
    const prompt = Array.from({ length: 90 }, (_, i) => `word${i}`).join(' ');
    const run = await runCli(['--model', SD, '--prompt', prompt, '--steps', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: "word0 word1 .*…" is \d+ token\(s\) over the text encoder's 77-token limit; the end is cut, as diffusers cuts it/);
    expect(readdirSync(out)).toEqual(['sample-000.png']);
  }, 60_000);
});

describe('every sampler runs a text-to-image pipeline through the one loop', () => {
  it.each(['ddpm', 'ddim', 'dpm-solver', 'unipc', 'euler', 'euler-a', 'heun', 'pndm', 'lcm'])('%s', async (sampler) => {
    const out = tempDir();
    const run = await runCli(['--model', SD, '--prompt', 'a red bicycle', '--sampler', sampler, '--steps', '4', '--out-npy', join(out, 'x.npy'), '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { schedulerClass: string; modelCalls: number; textToImage: { guidance: string } };
    expect(summary.textToImage.guidance).toBe('classifier-free');
    expect(summary.modelCalls).toBeGreaterThanOrEqual(4);
    const image = (await readNpy(join(out, 'x.npy'))).data as Float32Array;
    expect(image.every((v) => v >= 0 && v <= 1)).toBe(true);
  }, 60_000);
});
