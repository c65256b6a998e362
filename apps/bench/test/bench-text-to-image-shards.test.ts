/**
 * A text-to-image sweep sharded in two and merged is the unsharded sweep: the same images (per-image sha256
 * digests) and quality figures; a shard resumes; a shard folder of other prompts or guidance is another sweep.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const SD1 = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-bench-sd-shards-'));
/** 2 batches of 2 for ddim-3 and euler-a-3 (stochastic: per-image step noise), 1 of the reference: 5 units. */
const ARGS = ['--model', SD1, '--samplers', 'ddim-3,euler-a-3', '--reference', 'ddim-6', '--batch', '2', '--iterations', '2', '--threads', '1'];
const bench = (args: readonly string[]) => spawnSync(process.execPath, [BENCH, ...ARGS, ...args], { encoding: 'utf8', timeout: 120_000 });

const imageFigures = (r: BenchResult) => ({
  sweepId: r.settings.sweepId,
  textToImage: r.settings.textToImage,
  configurations: r.configurations.map((c) => ({ name: c.name, images: c.images, imageDigest: c.imageDigest, quality: c.quality, modelCalls: c.modelCalls })),
});

let unsharded: BenchResult;
beforeAll(() => {
  const run = bench(['--json', '--out', join(work, 'whole')]);
  expect(run.status, run.stderr).toBe(0);
  unsharded = parseBenchResult(JSON.parse(run.stdout), 'stdout');
}, 130_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a sharded text-to-image sweep', () => {
  const out = join(work, 'sweep');

  it('merges into the unsharded result: the same image digests and quality', () => {
    for (const k of [1, 2]) {
      const run = bench(['--shard', `${k}/2`, '--out', out]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`shard ${k}/2 of sweep ${unsharded.settings.sweepId}`));
    }
    const report = join(work, 'merged');
    const merged = spawnSync(process.execPath, [BENCH, 'merge', out, '--out', report], { encoding: 'utf8', timeout: 60_000 });
    expect(merged.status, merged.stderr).toBe(0);
    const [dir] = readdirSync(join(report, 'history'));
    const result = parseBenchResult(JSON.parse(readFileSync(join(report, 'history', dir!, 'result.json'), 'utf8')), 'merged');
    expect(result.settings.shards).toBe(2);
    expect(imageFigures(result)).toEqual(imageFigures(unsharded));
    for (const c of result.configurations) expect(c.split!.textMs).toBeGreaterThan(0);
  });

  it('a rerun of a finished shard resumes: nothing left to run', () => {
    const run = bench(['--shard', '1/2', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/shard 1\/2 of sweep [0-9a-f]{16}: 0 unit\(s\) run, 3 already done/);
  });

  it('other prompts, another guidance scale or another size make another sweep, refused in the same folder', () => {
    const prompts = join(work, 'prompts.txt');
    writeFileSync(prompts, 'a cat\n');
    const cases: [string[], RegExp][] = [
      [['--prompts', prompts], /holds another sweep \(textToImage\.prompts\[0\] is "a photograph of an astronaut riding a horse" there, "a cat" now\)/],
      [['--guidance-scale', '5'], /holds another sweep \(textToImage\.guidanceScale is 7\.5 there, 5 now\)/],
      [['--negative-prompt', 'blurry'], /holds another sweep \(textToImage\.negativePrompt is null there, "blurry" now\)/],
      [['--height', '16', '--width', '16'], /holds another sweep \(imageSize\.height is 32 there, 16 now\)/],
    ];
    for (const [flags, message] of cases) {
      const run = bench([...flags, '--shard', '1/2', '--out', out]);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
