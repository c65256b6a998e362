import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '@denoise/image';
import { frechetDistance, kernelInceptionDistance } from '@denoise/metrics';
import { describe, expect, it } from 'vitest';
import { loadReferenceStatistics } from '../src/reference-stats.js';

const DIR = fileURLToPath(new URL('../../../fixtures/models/fmnist-classifier/', import.meta.url));
const header = JSON.parse(readFileSync(join(DIR, 'reference-stats.json'), 'utf8')) as {
  featureDim: number;
  train: { mean: { file: string; sha256: string }; cov: { file: string; sha256: string } };
};
const model = JSON.parse(readFileSync(join(DIR, 'model.json'), 'utf8')) as { sanity: { fidTestVsTrain: number; fidTestVsTrainSvd: number } };
const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function npy(entry: { file: string; sha256: string }): Float64Array {
  const bytes = readFileSync(join(DIR, entry.file));
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
  return parseNpy(bytes, entry.file).data as Float64Array;
}

describe('fmnist-classifier reference statistics (.npy, format 2)', () => {
  it('load checked (sha256, dtype, shape) and reproduce the test-vs-train FID recorded in model.json', async () => {
    const stats = await loadReferenceStatistics(join(DIR, 'reference-stats.json'));
    const dim = stats.featureDim;
    expect(stats.mean).toHaveLength(dim);
    const fid = frechetDistance(stats.mean, stats.cov, npy(header.train.mean), npy(header.train.cov), dim);
    expect(relativeError(fid, model.sanity.fidTestVsTrain)).toBeLessThan(1e-6);
    expect(relativeError(fid, model.sanity.fidTestVsTrainSvd)).toBeLessThan(1e-9);
  });

  it('hold a KID subset whose two halves are one distribution to KID', async () => {
    const stats = await loadReferenceStatistics(join(DIR, 'reference-stats.json'));
    const dim = stats.featureDim;
    expect(stats.kidFeatures).toHaveLength(stats.kidCount * dim);
    const halves = kernelInceptionDistance(stats.kidFeatures.subarray(0, 1000 * dim), 1000, stats.kidFeatures.subarray(1000 * dim), 1000, dim, { subsets: 10, subsetSize: 500 });
    expect(Math.abs(halves.kid)).toBeLessThan(4 * halves.std + 1e-3);
  });

  it('refuse a tampered file, a wrong format and a missing key, naming the file and the key', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'denoise-refstats-'));
    cpSync(DIR, copy, { recursive: true });
    const file = join(copy, 'reference-stats.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(join(copy, 'reference-stats', 'test-mean.npy'), Buffer.concat([readFileSync(join(copy, 'reference-stats', 'test-mean.npy')).subarray(0, -8), Buffer.alloc(8)]));
    await expect(loadReferenceStatistics(file)).rejects.toThrow(/test-mean\.npy \(test\.mean\): sha256 [0-9a-f]{12}…, the header records/);
    writeFileSync(file, good.replace('denoise-feature-stats/2', 'denoise-feature-stats/1'));
    await expect(loadReferenceStatistics(file)).rejects.toThrow(/not reference statistics \(format denoise-feature-stats\/2\): format: /);
    const json = JSON.parse(good) as { test: Record<string, unknown> };
    delete json.test['cov'];
    writeFileSync(file, JSON.stringify(json));
    await expect(loadReferenceStatistics(file)).rejects.toThrow(/test\.cov: /);
  });
});
