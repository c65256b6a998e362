/**
 * `pnpm bench --quality fid` in a standard feature space: a diffusers UNet2DModel folder scored with pytorch-fid's
 * Inception-v3 (the reference's seeded random weights) against a pytorch-fid statistics file, unsharded and as two
 * shards merged (each shard folder carries the reference, so the merge needs neither the extractor nor the file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFidInceptionWeights } from '@denoise/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const MODEL = join(REPO, 'fixtures', 'diffusers-unet', 'ddpm-cifar10-32-tiny');
const SD1 = join(REPO, 'fixtures', 'diffusers-sd', 'sd1-tiny');
const work = mkdtempSync(join(tmpdir(), 'denoise-inception-fid-'));
const bench = (...args: string[]) =>
  spawnSync(process.execPath, [BENCH, ...args], { cwd: REPO, encoding: 'utf8', timeout: 180_000, env: { ...process.env, DENOISE_CACHE: join(work, 'cache') } });

let weights: string;
let args: string[];
beforeAll(async () => {
  weights = await randomFidInceptionWeights();
  const stats = join(work, 'reference.npz');
  const made = bench('features', '--features', `inception:${weights}`, '--out', stats, join(REPO, 'fixtures', 'fid-inception', 'images'));
  expect(made.status, made.stderr).toBe(0);
  args = ['--model', MODEL, '--quality', 'fid', '--fid-samples', '4', '--batch', '2', '--samplers', 'ddim-2,ddim-4', '--reference', 'none', '--iterations', '1',
    '--features', `inception:${weights}`, '--fid-protocol', 'torch-fidelity', '--fid-reference', stats, '--bootstrap', '20', '--threads', '2'];
}, 120_000);

const figures = (r: BenchResult) => r.configurations.map((c) => ({ name: c.name, imageDigest: c.imageDigest, fid: c.fid, kid: c.kid, distribution: c.distribution }));

describe('bench --quality fid --features inception:FILE --fid-reference stats.npz', () => {
  it('scores a diffusers folder, names extractor, protocol and reference, and merges shards to the same figures', () => {
    const whole = bench(...args, '--out', join(work, 'whole'), '--json');
    expect(whole.status, whole.stderr).toBe(0);
    const result = parseBenchResult(JSON.parse(whole.stdout), 'stdout');
    expect(result.settings.fid).toMatchObject({ samples: 4, protocol: 'torch-fidelity', classifierSha256: '30e92324213d81349add29b17a75f554b1de54bfc5eed85a11636159296f31f1', reference: join(work, 'reference.npz') });
    for (const c of result.configurations) {
      expect(c.fid).toBeGreaterThan(0);
      expect(c.distribution!.fidInterval!.high).toBeGreaterThanOrEqual(c.distribution!.fidInterval!.low);
      // A μ/Σ statistics file has no features: no KID, and the extractor has no classes.
      expect(c.kid).toBeNull();
      expect(c.distribution!.classCounts).toEqual([]);
    }

    for (const k of [1, 2]) {
      const shard = bench(...args, '--shard', `${k}/2`, '--out', join(work, 'sweep'));
      expect(shard.status, shard.stderr).toBe(0);
    }
    expect(readdirSync(join(work, 'sweep')).filter((d) => d.startsWith('shard-')).every((d) => existsSync(join(work, 'sweep', d, 'fid-reference.npz')))).toBe(true);
    // The reference file may be gone by merge time: the shards carry it.
    rmSync(join(work, 'reference.npz'));
    const merged = bench('merge', join(work, 'sweep'), '--out', join(work, 'merged'), '--json', '--bootstrap', '20');
    expect(merged.status, merged.stderr).toBe(0);
    expect(figures(parseBenchResult(JSON.parse(merged.stdout), 'merge'))).toEqual(figures(result));
    // The report says what the FIDs are: extractor, sha256, how images were read, the reference.
    expect(readFileSync(join(work, 'merged', 'report', 'index.html'), 'utf8')).toContain(
      `in the feature space of inception:${weights} (protocol torch-fidelity) (sha256 30e92324213d…), each image read as its 8-bit PNG would be, against ${join(work, 'reference.npz')}.`,
    );
  }, 300_000);

  it('without --features, a model other than the embedded one gets no FID and is told how to get it; --features needs --fid-reference', () => {
    const plain = bench('--model', MODEL, '--quality', 'fid', '--fid-samples', '2', '--batch', '2', '--samplers', 'ddim-2', '--reference', 'none', '--out', join(work, 'plain'), '--json');
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('--quality fid: no FID for this model without a standard feature extractor');
    expect(plain.stderr).toContain('--features inception:FILE');
    expect(parseBenchResult(JSON.parse(plain.stdout), 'stdout').configurations.every((c) => c.fid === null)).toBe(true);
    const noReference = bench('--model', MODEL, '--quality', 'fid', '--features', `inception:${weights}`, '--out', join(work, 'x'));
    expect(noReference.status).toBe(2);
    expect(noReference.stderr).toContain('--quality fid needs --fid-reference');
  }, 120_000);

  it('scores a Stable Diffusion pipeline\'s decoded images the same way', () => {
    const run = bench('--model', SD1, '--quality', 'fid', '--fid-samples', '2', '--batch', '2', '--samplers', 'ddim-2', '--reference', 'none', '--iterations', '1',
      '--features', `inception:${weights}`, '--fid-reference', join(REPO, 'fixtures', 'fid-inception', 'images'), '--bootstrap', '20', '--out', join(work, 'sd'), '--json');
    expect(run.status, run.stderr).toBe(0);
    const result = parseBenchResult(JSON.parse(run.stdout), 'stdout');
    expect(result.settings.fid).toMatchObject({ protocol: 'clean', reference: expect.stringContaining('(30 images)') });
    // A folder reference has features: KID too.
    expect(result.configurations[0]!.fid).toBeGreaterThan(0);
    expect(result.configurations[0]!.kid).not.toBeNull();
  }, 180_000);
});
