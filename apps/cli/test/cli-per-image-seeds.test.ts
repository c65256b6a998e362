import { join } from 'node:path';
import { PNG_TEXT_KEYS, readNpy, readPng } from '@denoise/image';
import { imageSeed } from '@denoise/sampler';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

/** The embedded model through onnxruntime: image k of a per-image-seeded run, in different batches. */
describe('denoise sample --per-image-seeds', () => {
  it('gives image k the same float result in a batch of 4 and as image 0 of --first-image k, and names its seed', async () => {
    const dir = tempDir();
    const whole = await runCli(['--per-image-seeds', '--batch', '4', '--sampler', 'ddpm', '--steps', '8', '--out', join(dir, 'a'), '--out-npy', join(dir, 'a.npy'), '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    const part = await runCli(['--per-image-seeds', '--first-image', '2', '--batch', '2', '--sampler', 'ddpm', '--steps', '8', '--out', join(dir, 'b'), '--out-npy', join(dir, 'b.npy')]);
    expect(part.code, part.stderr).toBe(0);
    const floats = async (file: string) => (await readNpy(join(dir, file))).data as Float32Array;
    const a = { data: await floats('a.npy') };
    const b = { data: await floats('b.npy') };
    const perImage = b.data.length / 2;
    // DDPM draws step noise at every step: equal results mean x_T and every step's noise came from image 2's own stream.
    expect(Array.from(b.data)).toEqual(Array.from(a.data.subarray(2 * perImage, 4 * perImage)));
    // and not the batch-wide stream of --seed 0
    const batchWide = await runCli(['--batch', '4', '--sampler', 'ddpm', '--steps', '8', '--out', join(dir, 'c'), '--out-npy', join(dir, 'c.npy')]);
    expect(batchWide.code, batchWide.stderr).toBe(0);
    expect(Array.from((await floats('c.npy')).subarray(2 * perImage, 3 * perImage))).not.toEqual(Array.from(b.data.subarray(0, perImage)));

    const summary = JSON.parse(whole.stdout) as { imageSeeds: number[] };
    expect(summary.imageSeeds).toEqual([0, 1, 2, 3].map((i) => imageSeed(0, i)));
    const png = await readPng(join(dir, 'b', 'sample-001.png'));
    expect(png.text[PNG_TEXT_KEYS.imageIndex]).toBe('3');
    expect(png.text[PNG_TEXT_KEYS.imageSeed]).toBe(String(imageSeed(0, 3)));
    expect(png.text[PNG_TEXT_KEYS.seedScheme]).toBe('per-image');
  }, 120_000);

  it('refuses --first-image without --per-image-seeds (exit 2, nothing written)', async () => {
    const dir = tempDir();
    const run = await runCli(['--first-image', '3', '--steps', '2', '--out', join(dir, 'out')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--first-image 3 needs --per-image-seeds/);
  });
});
