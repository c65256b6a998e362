/**
 * `pnpm bench features` and `pnpm bench fid`, end to end, against the fid-inception reference: the 30 test PNGs through
 * each protocol's preprocessing and pytorch-fid's Inception-v3 (built from the reference's seeded random weights, made
 * byte for byte by randomFidInceptionWeights) give each tool's own features within the reference's tolerance rule;
 * FID/KID of stored sets match the reference values; statistics files round-trip; folders are featurised once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy, parseNpz } from '@denoise/image';
import { randomFidInceptionWeights } from '@denoise/runtime';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const FIXTURES = join(REPO, 'fixtures');
const IMAGES = join(FIXTURES, 'fid-inception', 'images');
const work = mkdtempSync(join(tmpdir(), 'denoise-fid-'));
const cache = join(work, 'cache');

const bench = (...args: string[]) =>
  spawnSync(process.execPath, [BENCH, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DENOISE_CACHE: cache } });
const readArray = (path: string) => parseNpy(readFileSync(path), path);

let weights: string;
beforeAll(async () => {
  weights = await randomFidInceptionWeights();
}, 60_000);

interface EndToEnd {
  images: string[];
  maxAbsF64: Record<string, number[]>;
}
const endToEnd = JSON.parse(readFileSync(join(FIXTURES, 'fid-inception', 'end-to-end', 'features.json'), 'utf8')) as EndToEnd;

describe('bench features: each FID tool\'s features of the reference images', () => {
  it.each([
    ['pytorch-fid', 'pytorch-fid'],
    ['clean', 'clean-fid'],
    ['torch-fidelity', 'torch-fidelity'],
  ])('--fid-protocol %s matches %s on all 30 images (max |Δ| ≤ 1e-3 · max |float64 features| per image)', (protocol, tool) => {
    const out = join(work, `${protocol}.npy`);
    const run = bench('features', '--features', `inception:${weights}`, '--fid-protocol', protocol, '--threads', '2', '--out', out, IMAGES);
    expect(run.status, run.stderr).toBe(0);
    const ours = readArray(out);
    expect(ours.dtype).toBe('float32');
    expect(ours.shape).toEqual([30, 2048]);
    const reference = readArray(join(FIXTURES, 'fid-inception', 'end-to-end', `${tool}.npy`)).data as Float32Array;
    // The folder is read in name order; the reference rows are in images.json's order.
    const sorted = [...endToEnd.images].sort();
    let worst = 0;
    sorted.forEach((name, row) => {
      const refRow = endToEnd.images.indexOf(name);
      let maxDiff = 0;
      for (let j = 0; j < 2048; j++) maxDiff = Math.max(maxDiff, Math.abs((ours.data[row * 2048 + j] as number) - (reference[refRow * 2048 + j] as number)));
      worst = Math.max(worst, maxDiff / endToEnd.maxAbsF64[tool]![refRow]!);
    });
    expect(worst).toBeLessThanOrEqual(1e-3);
    // Measured 1.3e-5 to 1.5e-5 (the tools' own float32-vs-float64 spread is up to 2.5e-4).
    expect(worst).toBeGreaterThan(0);
  }, 120_000);
});

describe('bench fid', () => {
  interface Case {
    fid_exact_f64: { fid: number; trace1: number; trace2: number };
    kid_torch_fidelity_f64: { mean: number };
  }
  const cases = JSON.parse(readFileSync(join(FIXTURES, 'fid-kid', 'cases.json'), 'utf8')) as Record<string, Case>;

  it('FID and KID of two feature files match the reference case n50 (A50 vs B50)', () => {
    const run = bench('fid', join(FIXTURES, 'fid-kid', 'A50.npy'), join(FIXTURES, 'fid-kid', 'B50.npy'), '--kid', '--json');
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    const n50 = cases['n50']!;
    const exact = n50.fid_exact_f64;
    expect(Math.abs(result.fid - exact.fid)).toBeLessThanOrEqual(1e-9 * (exact.trace1 + exact.trace2));
    const kid = n50.kid_torch_fidelity_f64.mean;
    expect(Math.abs(result.kid - kid)).toBeLessThanOrEqual(2e-6 + 1e-6 * Math.abs(kid));
    expect(result).toMatchObject({ dim: 2048, protocol: null, extractor: null, kidSubsets: 100, kidSubsetSize: 50 });
  });

  it('a stats file written by bench features scores 0 against the features and the folder it came from; the folder is featurised once', () => {
    const stats = join(work, 'images.npz');
    const written = bench('features', '--features', `inception:${weights}`, '--out', stats, IMAGES);
    expect(written.status, written.stderr).toBe(0);
    const arrays = parseNpz(readFileSync(stats), stats);
    expect([...arrays.keys()]).toEqual(['mu', 'sigma']);
    expect(arrays.get('sigma')!.shape).toEqual([2048, 2048]);

    const againstFolder = () => bench('fid', stats, IMAGES, '--features', `inception:${weights}`, '--json');
    const first = againstFolder();
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.fid).toBeLessThan(1e-6);
    expect(result.protocol).toBe('clean');
    expect(result.extractor.sha256).toBe('30e92324213d81349add29b17a75f554b1de54bfc5eed85a11636159296f31f1');
    expect(readdirSync(join(cache, 'fid-features'))).toHaveLength(1);
    const second = againstFolder();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/features of 30 image\(s\): cached/);
    expect(JSON.parse(second.stdout).fid).toBe(result.fid);
  }, 120_000);

  it('refuses what it cannot score, naming the file and what is needed', () => {
    const noFeatures = bench('fid', join(FIXTURES, 'fid-stats', 'S500_stats.npz'), IMAGES);
    expect(noFeatures.status).toBe(2);
    expect(noFeatures.stderr).toContain(`${IMAGES}: images need a feature extractor: pass --features inception:FILE`);
    const kidOfStats = bench('fid', join(FIXTURES, 'fid-stats', 'S500_stats.npz'), join(FIXTURES, 'fid-kid', 'A50.npy'), '--kid');
    expect(kidOfStats.status).toBe(2);
    expect(kidOfStats.stderr).toContain('S500_stats.npz holds only mu and sigma; KID needs the features');
    const notStats = bench('fid', join(FIXTURES, 'fid-stats', 'mixed.npz'), join(FIXTURES, 'fid-kid', 'A50.npy'));
    expect(notStats.status).toBe(2);
    expect(notStats.stderr).toMatch(/mixed\.npz: holds .*; a statistics file has 'mu' and 'sigma'/);
    const badSpec = bench('features', '--features', 'tf:model.pb', '--out', join(work, 'x.npy'), IMAGES);
    expect(badSpec.status).toBe(2);
    expect(badSpec.stderr).toContain('expected inception:FILE');
    expect(existsSync(join(work, 'x.npy'))).toBe(false);
  });
});
