import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel, ModelLoadError, type LoadedModel } from '../src/index.js';

const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));
// A small calibration: what is tested is the cache, not the ranges.
const SMALL = { runs: 1, steps: 2 } as const;

async function loadInt8(cacheDir: string, log?: (line: string) => void): Promise<LoadedModel> {
  return loadModel(FMNIST, { threads: 1, precision: 'int8', int8: { ...SMALL, cacheDir, ...(log ? { log } : {}) } });
}

describe('the int8 calibration cache', () => {
  it('is written once and reused by the next load, which gives the same predictions', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'denoise-int8-cache-'));
    const first = await loadInt8(cacheDir);
    const lines: string[] = [];
    const second = await loadInt8(cacheDir, (line) => lines.push(line));
    try {
      expect(first.int8!.calibration).toMatchObject({ cached: false, calls: 2 });
      expect(second.int8!.calibration.cached).toBe(true);
      expect(second.int8!.calibration.calls).toBeUndefined();
      expect(second.int8!.calibration.file).toBe(first.int8!.calibration.file);
      expect(lines.filter((l) => l.startsWith('calibrating'))).toEqual([]);
      // Only the calibration itself: no temporary file is left behind.
      expect(readdirSync(cacheDir)).toEqual([first.int8!.calibration.file.slice(cacheDir.length + 1)]);
      const x = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.cos(i));
      expect(Float32Array.from(await second.denoiser.predict(x, 300))).toEqual(Float32Array.from(await first.denoiser.predict(x, 300)));
    } finally {
      await first.dispose();
      await second.dispose();
    }
  }, 60_000);

  it('recalibrates over a file left half-written, saying so and naming it', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'denoise-int8-cache-'));
    const model = await loadInt8(cacheDir);
    const file = model.int8!.calibration.file;
    await model.dispose();
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, whole.slice(0, whole.length / 2));
    const lines: string[] = [];
    const again = await loadInt8(cacheDir, (line) => lines.push(line));
    await again.dispose();
    expect(again.int8!.calibration.cached).toBe(false);
    expect(lines[0]).toContain(`${file}: the cached int8 calibration is unreadable`);
    expect(lines[0]).toContain('recalibrating');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(whole));
  }, 60_000);

  it('refuses a file that names other weights, naming the file and both hashes', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'denoise-int8-cache-'));
    const model = await loadInt8(cacheDir);
    const file = model.int8!.calibration.file;
    await model.dispose();
    const stale = { ...JSON.parse(readFileSync(file, 'utf8')), weightsSha256: '0'.repeat(64) };
    writeFileSync(file, JSON.stringify(stale));
    const load = loadInt8(cacheDir);
    await expect(load).rejects.toBeInstanceOf(ModelLoadError);
    await expect(load).rejects.toThrow(`${file}: this int8 calibration is of weights with sha256 ${'0'.repeat(64)}, not of the model's (${model.sha256}); delete the file to recalibrate`);
  }, 60_000);
});
