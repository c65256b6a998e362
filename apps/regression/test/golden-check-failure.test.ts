/**
 * The golden check can fail: perturbed runs and a defaced golden drop the SSIM below the threshold, fail,
 * and leave golden · received · diff strips in the artifacts folder. Real model, real PNGs, temp folders.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPng, writePng } from '@denoise/image';
import { checkGoldenCase, type GoldenVerdict } from '../src/golden-check.js';
import { readGoldenManifest, type GoldenCase } from '../src/golden-manifest.js';
import { floatSha256, GoldenRunner, type GoldenRun } from '../src/golden-run.js';
import { updateGoldens } from '../src/golden-update.js';
import { BASE_CASE, tempGoldens, type TempGoldens } from './temp-goldens.js';

let temp: TempGoldens;
let goldenCase: GoldenCase;
let runner: GoldenRunner;
let reference: GoldenRun;

beforeAll(async () => {
  // Three steps: DDIM maps one x_T to nearly the same image at any step count, so one step fewer moves
  // the image most where the steps are few (with the smoke model, DDIM-10 → 9 keeps SSIM at 0.994).
  temp = await tempGoldens([{ ...BASE_CASE, name: 'ddim-3-seed0', steps: 3 }]);
  await updateGoldens({ manifestPath: temp.manifestPath });
  const manifest = await readGoldenManifest(temp.manifestPath);
  goldenCase = manifest.cases[0] as GoldenCase;
  runner = new GoldenRunner(manifest.runtime, { manifestPath: temp.manifestPath });
  reference = await runner.run(goldenCase);
});
afterAll(() => runner.dispose());

const check = (run: GoldenRun) => checkGoldenCase(goldenCase, run, { goldenDir: join(temp.manifestPath, '..'), artifactsDir: temp.artifactsDir });

async function expectFailureWithArtifacts(verdict: GoldenVerdict, bitIdentical = false, belowThreshold = true): Promise<void> {
  if (verdict.state !== 'fail') throw new Error(`expected a failure, got ${verdict.state}: ${verdict.message}`);
  if (belowThreshold) expect(verdict.comparison.minSsim).toBeLessThan(goldenCase.ssimThreshold);
  expect(verdict.comparison.bitIdentical).toBe(bitIdentical);
  expect(verdict.message).toContain(verdict.artifacts.sideBySide);
  expect(verdict.message).toContain('pnpm test:golden --update');
  const strip = await readPng(verdict.artifacts.sideBySide);
  const received = await readPng(verdict.artifacts.received);
  // golden · received · diff, 4 px apart; the diff heatmap makes it RGB.
  expect(strip.image.width).toBe(3 * received.image.width + 2 * 4);
  expect(strip.image.channels).toBe(3);
}

describe('checkGoldenCase on a perturbed run', () => {
  it('passes the unperturbed run at SSIM 1, bit-identical', async () => {
    const verdict = await check(reference);
    expect(verdict.state).toBe('pass');
    if (verdict.state !== 'pass') return;
    expect(verdict.comparison.minSsim).toBe(1);
    expect(verdict.comparison.minPsnrDb).toBe(Infinity);
    expect(verdict.comparison.bitIdentical).toBe(true);
    expect(existsSync(temp.artifactsDir)).toBe(false);
  });

  it('fails one step fewer (DDIM-2 against the DDIM-3 golden)', async () => {
    await expectFailureWithArtifacts(await check(await runner.run({ ...goldenCase, steps: goldenCase.steps - 1 })));
  });

  it('fails another seed', async () => {
    await expectFailureWithArtifacts(await check(await runner.run({ ...goldenCase, seed: goldenCase.seed + 1 })));
  });

  it('fails a float change too small to move a pixel, where the golden was made on this CPU, onnxruntime and threads', async () => {
    const samples = Float32Array.from(reference.samples);
    samples[0] = (samples[0] as number) + 1e-7; // far below one 8-bit level
    const nudged = { ...reference, samples, floatSha256: floatSha256(samples) };
    const verdict = await check(nudged);
    await expectFailureWithArtifacts(verdict, false, false);
    expect(verdict.message).toContain('must be bit-identical; the images still pass (min SSIM 1.000000, max abs diff 0)');
    // Made elsewhere, the same run is judged by SSIM alone.
    const elsewhere = await checkGoldenCase({ ...goldenCase, golden: { ...goldenCase.golden!, cpu: 'another CPU' } }, nudged, {
      goldenDir: join(temp.manifestPath, '..'),
      artifactsDir: temp.artifactsDir,
    });
    expect(elsewhere.state).toBe('pass');
  });

  it('fails against a golden with a patch painted over its first image, and only that image', async () => {
    const goldenPath = join(temp.manifestPath, '..', `${goldenCase.name}.png`);
    const { image, text } = await readPng(goldenPath);
    const pixels = Uint8Array.from(image.pixels);
    for (let y = 10; y < 22; y++) pixels.fill(255, y * image.width + 10, y * image.width + 22); // 12×12 white, inside image 0
    await writePng(goldenPath, { ...image, pixels }, text);
    const verdict = await check(reference);
    await expectFailureWithArtifacts(verdict, true); // the run is the golden run; the golden is not
    if (verdict.state !== 'fail') return;
    const [first, ...rest] = verdict.comparison.images;
    expect(first?.ssim).toBeLessThan(goldenCase.ssimThreshold);
    expect(rest.map((i) => i.ssim)).toEqual([1, 1, 1]);
    expect(verdict.message).toContain('1 of 4 images below');
  });
});
