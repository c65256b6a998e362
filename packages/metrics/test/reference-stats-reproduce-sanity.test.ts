import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frechetDistance, kernelInceptionDistance } from '../src/index.js';
import { FIXTURES, readJson, relativeError } from './fixtures.js';

interface RawEntry { file: string; dtype: 'float64' | 'float32'; shape: number[]; sha256: string }
interface ReferenceStats {
  featureDim: number;
  test: { count: number; mean: RawEntry; cov: RawEntry };
  train: { count: number; mean: RawEntry; cov: RawEntry };
  testKidSubset: { count: number; indices: number[]; features: RawEntry };
}
interface ModelJson {
  sanity: { fidTestVsTrain: number; fidTestVsTrainSvd: number };
}

const DIR = 'models/fmnist-classifier/';

/** A raw little-endian file of reference-stats.json, checked against its recorded size and sha256. */
function readRaw(entry: RawEntry): Float64Array | Float32Array {
  const bytes = readFileSync(new URL(DIR + entry.file, FIXTURES));
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const width = entry.dtype === 'float64' ? 8 : 4;
  expect(bytes.byteLength).toBe(count * width);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = entry.dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = width === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return out;
}

describe('fmnist-classifier reference statistics', () => {
  const header = readJson<ReferenceStats>(DIR + 'reference-stats.json');
  const model = readJson<ModelJson>(DIR + 'model.json');
  const dim = header.featureDim;

  it('reproduce the test-vs-train FID recorded in model.json', () => {
    const mean = (e: RawEntry) => Float64Array.from(readRaw(e));
    const fid = frechetDistance(
      mean(header.test.mean), mean(header.test.cov), mean(header.train.mean), mean(header.train.cov), dim,
    );
    expect(relativeError(fid, model.sanity.fidTestVsTrain)).toBeLessThan(1e-6);
    expect(relativeError(fid, model.sanity.fidTestVsTrainSvd)).toBeLessThan(1e-9);
  });

  it('hold a KID subset whose two halves are one distribution to KID', () => {
    const subset = readRaw(header.testKidSubset.features);
    expect(subset.length).toBe(header.testKidSubset.count * dim);
    expect(header.testKidSubset.indices).toHaveLength(header.testKidSubset.count);
    const halves = kernelInceptionDistance(subset.subarray(0, 1000 * dim), 1000, subset.subarray(1000 * dim), 1000,
      dim, { subsets: 10, subsetSize: 500 });
    expect(Math.abs(halves.kid)).toBeLessThan(4 * halves.std + 1e-3);
  });
});
