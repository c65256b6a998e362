import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, readPng } from '@denoise/image';
import { samplerOfClass } from '@denoise/sampler';
import { parsePythonJson } from '@denoise/schedule';
import { fixture, runCli, tempDir } from './run-cli.js';

/**
 * Every txt2img case of the Stable Diffusion reference pipelines (fixtures/diffusers-sd/{sd1,sd2,lcm}-tiny, made by
 * diffusers' StableDiffusionPipeline and LatentConsistencyModelPipeline loops with the real components), run through
 * `denoise sample` as a user would (and StableDiffusionXLPipeline's, sdxl-tiny),
 * within the reference README's rules: the trajectory (every x_t, from --trace) and the final latents (--out-latents)
 * max|Δ| ≤ 1e-4 · max(1, max|ref|); the image (--out-npy, output_type="np") max|Δ| ≤ 1e-4; the PNGs ±1 on at most
 * 5 % of values. PNDM, DDIM, DPM-Solver++ and Euler ancestral; guidance on and off, guidance_rescale, negative
 * prompts, two images per prompt, v-prediction and SD-Turbo's one trailing step at guidance 0; LCM at 1–8 steps with
 * its guidance embedding (guidance 1 to 8, original_inference_steps 25 and 50); SDXL with zero negative conditioning
 * (negative_prompt=None), an encoded negative, no guidance, and custom original_size / crop / target_size.
 */
interface E2eCase {
  readonly name: string;
  readonly inputs: { readonly latents_in: { readonly file: string } };
  readonly outputs: Record<string, { readonly file: string } | readonly string[]>;
  readonly call: {
    readonly pipeline?: string;
    readonly prompt: string;
    readonly negative_prompt: string | null;
    readonly num_inference_steps: number;
    readonly original_inference_steps?: number | null;
    readonly guidance_scale: number;
    readonly guidance_rescale?: number;
    readonly original_size?: readonly [number, number] | null;
    readonly crops_coords_top_left?: readonly [number, number] | null;
    readonly target_size?: readonly [number, number] | null;
    readonly num_images_per_prompt: number;
    readonly generator: string | null;
  };
  readonly scheduler: { readonly class: string; readonly overrides: Record<string, unknown> };
  readonly timesteps: readonly number[];
}

const FOLDERS = ['sd1-tiny', 'sd2-tiny', 'lcm-tiny', 'sdxl-tiny'];
const cases = FOLDERS.flatMap((folder) => {
  const file = parsePythonJson(readFileSync(fixture(`diffusers-sd/${folder}/cases.json`), 'utf8')) as { components: { e2e: { cases: E2eCase[] } } };
  return file.components.e2e.cases.map((c) => ({ folder, name: c.name, testCase: c }));
});
const worst: Record<string, number> = {};

function maxDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): { readonly diff: number; readonly maxRef: number } {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return { diff, maxRef };
}

function record(key: string, ratio: number): void {
  worst[key] = Math.max(worst[key] ?? 0, ratio);
}

describe('denoise sample on Stable Diffusion pipelines matches diffusers txt2img', () => {
  it('covers the 20 txt2img cases of sd1-tiny, sd2-tiny, lcm-tiny and sdxl-tiny', () => {
    expect(cases.map((c) => `${c.folder}/${c.name}`)).toHaveLength(20);
  });

  it.each(cases)('$folder $name', async ({ folder, testCase }) => {
    const dir = fixture(`diffusers-sd/${folder}`);
    const out = tempDir();
    const sampler = samplerOfClass(testCase.scheduler.class);
    if (!sampler) throw new Error(`no sampler for ${testCase.scheduler.class}`);
    const { call } = testCase;
    const seed = /manual_seed\((\d+)\)/.exec(call.generator ?? '')?.[1];
    const overrides = Object.entries(testCase.scheduler.overrides);
    expect(overrides.every(([key]) => key === 'timestep_spacing')).toBe(true);
    const args = [
      '--model', dir,
      '--prompt', call.prompt,
      ...(call.negative_prompt !== null ? ['--negative-prompt', call.negative_prompt] : []),
      '--guidance-scale', String(call.guidance_scale),
      ...(call.original_inference_steps ? ['--original-steps', String(call.original_inference_steps)] : []),
      ...(call.original_size ? ['--original-size', call.original_size.join(',')] : []),
      ...(call.crops_coords_top_left ? ['--crop-top-left', call.crops_coords_top_left.join(',')] : []),
      ...(call.target_size ? ['--target-size', call.target_size.join(',')] : []),
      ...(call.guidance_rescale ? ['--guidance-rescale', String(call.guidance_rescale)] : []),
      '--images-per-prompt', String(call.num_images_per_prompt),
      '--sampler', sampler,
      '--steps', String(call.num_inference_steps),
      ...overrides.flatMap(([, value]) => ['--spacing', String(value)]),
      '--noise', join(dir, testCase.inputs.latents_in.file),
      ...(seed ? ['--seed', seed] : []),
      '--out', join(out, 'images'),
      '--out-npy', join(out, 'image.npy'),
      '--out-latents', join(out, 'latents.npy'),
      '--trace', join(out, 'trace'),
      '--threads', '1',
      '--json',
    ];
    const run = await runCli(args);
    expect(run.stderr, `exit ${run.code}`).not.toMatch(/denoise sample:/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { modelCalls: number; textToImage: { pipeline: string; guidance: string } };
    expect(summary.modelCalls).toBe(testCase.timesteps.length);
    const lcm = call.pipeline === 'LatentConsistencyModelPipeline';
    expect(summary.textToImage.pipeline).toBe(call.pipeline ?? 'StableDiffusionPipeline');
    expect(summary.textToImage.guidance).toBe(lcm ? 'embedding' : call.guidance_scale > 1 ? 'classifier-free' : 'none');

    const reference = async (role: string) => readNpy(join(dir, (testCase.outputs[role] as { file: string }).file));
    const key = `${folder}/${testCase.name}`;

    // Every x_t the loop fed the UNet is a row of diffusers' trajectory; the final latents are its last row.
    const trajectory = await reference('trajectory');
    const rows = trajectory.shape[0]!;
    const rowSize = (trajectory.data as Float32Array).length / rows;
    const traceFiles = readdirSync(join(out, 'trace')).filter((f) => f.endsWith('-xt.npy')).sort();
    expect(traceFiles).toHaveLength(rows - 1);
    for (const [k, file] of traceFiles.entries()) {
      const xt = (await readNpy(join(out, 'trace', file))).data as Float32Array;
      const { diff, maxRef } = maxDiff(xt, (trajectory.data as Float32Array).subarray(k * rowSize, (k + 1) * rowSize));
      const tolerance = 1e-4 * Math.max(1, maxRef);
      record(`${key} trajectory`, diff / tolerance);
      expect(diff, `${key} x_t at call ${k}`).toBeLessThanOrEqual(tolerance);
    }
    const latents = maxDiff((await readNpy(join(out, 'latents.npy'))).data as Float32Array, (await reference('latents')).data as Float32Array);
    record(`${key} latents`, latents.diff / (1e-4 * Math.max(1, latents.maxRef)));
    expect(latents.diff).toBeLessThanOrEqual(1e-4 * Math.max(1, latents.maxRef));

    const image = await readNpy(join(out, 'image.npy'));
    const expectedImage = await reference('image');
    expect(image.shape).toEqual(expectedImage.shape);
    const imageDiff = maxDiff(image.data as Float32Array, expectedImage.data as Float32Array);
    record(`${key} image`, imageDiff.diff / 1e-4);
    expect(imageDiff.diff).toBeLessThanOrEqual(1e-4);

    // The PNGs the pipeline would save (numpy_to_pil of image_uint8), pixel for pixel.
    const pngs = testCase.outputs['png'] as readonly string[];
    expect(pngs).toHaveLength(call.num_images_per_prompt);
    let differing = 0;
    let values = 0;
    let worstPixel = 0;
    for (const [i, file] of pngs.entries()) {
      const { image: expected } = await readPng(join(dir, file));
      const { image: png, text } = await readPng(join(out, 'images', `sample-${String(i).padStart(3, '0')}.png`));
      expect([png.width, png.height, png.channels]).toEqual([expected.width, expected.height, expected.channels]);
      expect(text['denoise:prompt']).toBe(call.prompt);
      expect(text['denoise:guidance-scale']).toBe(String(call.guidance_scale));
      for (let p = 0; p < png.pixels.length; p++) {
        const d = Math.abs(png.pixels[p]! - expected.pixels[p]!);
        worstPixel = Math.max(worstPixel, d);
        if (d > 0) differing++;
      }
      values += png.pixels.length;
    }
    expect(worstPixel).toBeLessThanOrEqual(1);
    expect(differing / values).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('reports the worst case of each folder and output as a fraction of the tolerance', () => {
    const perFolder: Record<string, number> = {};
    for (const [key, ratio] of Object.entries(worst)) {
      const [folderCase, output] = key.split(' ');
      const folder = folderCase!.split('/')[0]!;
      perFolder[`${folder} ${output}`] = Math.max(perFolder[`${folder} ${output}`] ?? 0, ratio);
    }
    process.stdout.write(`txt2img worst max|Δ| / tolerance:\n  ${Object.entries(perFolder).map(([k, v]) => `${k}: ${v.toFixed(3)}`).join('\n  ')}\n`);
    expect(Object.keys(perFolder)).toHaveLength(FOLDERS.length * 3);
  });
});
