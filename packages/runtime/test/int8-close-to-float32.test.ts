import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../src/index.js';

const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));

/**
 * Measured (default calibration: percentile, 4 DDIM runs × 10 steps; onnxruntime 1.30, AVX-512 VNNI) on this
 * input: max |ε_int8 − ε_float32| 0.026 / 0.026 / 0.078 and mean 0.0055 / 0.0058 / 0.016 at t = 999 / 500 / 20,
 * for ε of unit scale. The bounds leave about 2.5× margin for other CPUs' rounding.
 */
const MAX_ABS = 0.2;
const MEAN_ABS = 0.04;

describe('int8 precision on the embedded model (fmnist-unet)', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'denoise-int8-'));
  let float: LoadedModel;
  let int8: LoadedModel;

  beforeAll(async () => {
    float = await loadModel(FMNIST, { threads: 1 });
    int8 = await loadModel(FMNIST, { threads: 1, precision: 'int8', int8: { cacheDir } });
  }, 60_000);
  afterAll(async () => {
    await float?.dispose();
    await int8?.dispose();
  });

  it('predicts what the float32 model predicts, within the int8 error', async () => {
    const { channels, height, width } = float.signature;
    const x = Float32Array.from({ length: 2 * channels * height * width }, (_, i) => Math.sin(i * 0.37) * 1.5);
    for (const t of [999, 500, 20]) {
      const a = Float32Array.from(await float.denoiser.predict(x, t));
      const b = await int8.denoiser.predict(x, t);
      let max = 0;
      let sum = 0;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i]! - b[i]!);
        max = Math.max(max, d);
        sum += d;
      }
      expect(max, `max abs error at t = ${t}`).toBeLessThan(MAX_ABS);
      expect(sum / a.length, `mean abs error at t = ${t}`).toBeLessThan(MEAN_ABS);
      expect(max, 'int8 changes the output').toBeGreaterThan(0);
    }
  });

  it('reports what runs in int8 and what stays float32', () => {
    expect(float.int8).toBeUndefined();
    const info = int8.int8!;
    expect(info.quantizedConvs).toBe(33);
    expect(info.floatLayers).toContain('conv_in');
    expect(info.floatLayers).toContain('conv_out');
    expect(info.floatLayers).toContain('mid_block.attentions.0.to_q');
    expect(info.calibration).toMatchObject({ method: 'percentile', sampler: 'ddim', runs: 4, steps: 10, seed: 0, cached: false, calls: 40 });
    expect(info.calibration.file.startsWith(cacheDir)).toBe(true);
    expect(int8.sha256).toBe(float.sha256);
  });
});
