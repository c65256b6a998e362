/**
 * `--features onnx:FILE`: a user's ONNX feature extractor with its input declared in FILE's .json. The FID Inception
 * graph exported as a standalone .onnx (weights embedded) and declared as pytorch-fid's input (299², mean 0.5, std 0.5
 * on [0, 1] pixels, i.e. 2x − 1) gives the same features as `inception:FILE` with `--fid-protocol pytorch-fid`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFidInceptionModel } from '@denoise/diffusers';
import { parseNpy } from '@denoise/image';
import { randomFidInceptionWeights } from '@denoise/runtime';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const IMAGES = ['s008_0_gradient', 'g028_3_noise_gray', 'r300x217_2_rings'].map((n) => join(REPO, 'fixtures', 'fid-inception', 'images', `${n}.png`));
const work = mkdtempSync(join(tmpdir(), 'denoise-onnx-extractor-'));
const bench = (...args: string[]) => spawnSync(process.execPath, [BENCH, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
const features = (path: string) => parseNpy(readFileSync(path), path).data as Float32Array;

let weights: string;
const model = join(work, 'inception.onnx');
beforeAll(async () => {
  weights = await randomFidInceptionWeights();
  writeFileSync(model, (await buildFidInceptionModel(weights, { storage: 'embedded' })).bytes);
}, 120_000);

const declare = (input: object) =>
  writeFileSync(join(work, 'inception.json'), JSON.stringify({ format: 'denoise-feature-extractor/1', input, output: 'features' }));

describe('bench features --features onnx:FILE', () => {
  it('an ONNX extractor declared as pytorch-fid\'s input gives pytorch-fid\'s Inception features', () => {
    declare({ height: 299, width: 299, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const viaOnnx = bench('features', '--features', `onnx:${model}`, '--fid-protocol', 'pytorch-fid', '--out', join(work, 'onnx.npy'), ...IMAGES);
    expect(viaOnnx.status, viaOnnx.stderr).toBe(0);
    const viaWeights = bench('features', '--features', `inception:${weights}`, '--fid-protocol', 'pytorch-fid', '--out', join(work, 'inception.npy'), ...IMAGES);
    expect(viaWeights.status, viaWeights.stderr).toBe(0);
    const a = features(join(work, 'onnx.npy'));
    const b = features(join(work, 'inception.npy'));
    expect(a.length).toBe(3 * 2048);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(b[i]!));
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    }
    // (x − 0.5) / 0.5 and 2x − 1 differ by float32 rounding only.
    expect(diff / scale).toBeLessThan(1e-4);
  }, 120_000);

  it('refuses a missing or wrong declaration, naming the file and what it needs', () => {
    declare({ height: 224, width: 224, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const wrongSize = bench('features', '--features', `onnx:${model}`, '--out', join(work, 'x.npy'), ...IMAGES);
    expect(wrongSize.status).toBe(2);
    expect(wrongSize.stderr).toContain(`${model}: its input is [B, 3, 299, 299] but ${join(work, 'inception.json')} declares [B, 3, 224, 224]`);
    declare({ height: 299, width: 299, mean: [0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const badMean = bench('features', '--features', `onnx:${model}`, '--out', join(work, 'x.npy'), ...IMAGES);
    expect(badMean.status).toBe(2);
    expect(badMean.stderr).toMatch(/inception\.json: .*input\.mean/);
    const noDeclaration = bench('features', '--features', `onnx:${join(work, 'elsewhere.onnx')}`, '--out', join(work, 'x.npy'), ...IMAGES);
    expect(noDeclaration.status).toBe(2);
    expect(noDeclaration.stderr).toContain(`cannot read ${join(work, 'elsewhere.json')}`);
  }, 120_000);
});
