/**
 * A sweep run as 3 shard processes and merged is the same sweep as one unsharded run: the same images (per-image
 * sha256 digests), the same quality and FID/KID figures and intervals. The shards are run by the very commands the
 * Kubernetes Indexed Job and the GitHub Actions workflow run (read from deploy/k8s and .github/workflows, with the
 * index variables set as each engine sets them), at small sizes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
/** The sweep at test size: 6 images per configuration in batches of 2, so 9 units, 3 per shard. */
const SMALL = { FID_SAMPLES: '6', BATCH: '2', SAMPLERS: 'ddim-4,ddim-4-eta1,ddpm-4', THREADS: '1' };
const SMALL_ARGS = ['--quality', 'fid', '--fid-samples', '6', '--batch', '2', '--samplers', 'ddim-4,ddim-4-eta1,ddpm-4', '--reference', 'none', '--threads', '1'];
const work = mkdtempSync(join(tmpdir(), 'denoise-sweep-'));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
const bash = (command: string, env: Record<string, string>): Run =>
  spawnSync('bash', ['-c', command], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
const bench = (args: readonly string[]): Run => spawnSync(process.execPath, [BENCH, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });

/** The result.json a merge (or run) wrote under <out>/history/<run>/. */
function savedResult(out: string): BenchResult {
  const runs = readdirSync(join(out, 'history'));
  expect(runs).toHaveLength(1);
  return parseBenchResult(JSON.parse(readFileSync(join(out, 'history', runs[0]!, 'result.json'), 'utf8')), out);
}

/** What must not depend on sharding: every figure that comes from the images. */
const imageFigures = (r: BenchResult) => ({
  sweepId: r.settings.sweepId,
  configurations: r.configurations.map((c) => ({ name: c.name, images: c.images, imageDigest: c.imageDigest, quality: c.quality, fid: c.fid, kid: c.kid, distribution: c.distribution, modelCalls: c.modelCalls })),
  fidComparisons: r.fidComparisons,
});

const k8sDocs = () => readdirSync(join(REPO, 'deploy/k8s')).flatMap((f) => parseAllDocuments(readFileSync(join(REPO, 'deploy/k8s', f), 'utf8')).map((d) => d.toJS() as Record<string, any>));
const containerOf = (job: Record<string, any>) => job['spec'].template.spec.containers[0] as { command: string[]; args: string[]; env: { name: string; value: string }[] };
const envOf = (c: { env: { name: string; value: string }[] }) => Object.fromEntries(c.env.map((e) => [e.name, String(e.value)]));

let unsharded: BenchResult;
beforeAll(() => {
  const run = bench([...SMALL_ARGS, '--out', join(work, 'whole'), '--json']);
  expect(run.status, run.stderr).toBe(0);
  unsharded = parseBenchResult(JSON.parse(run.stdout), 'stdout');
}, 130_000);

describe('a sharded sweep merges into the unsharded result', () => {
  it('Kubernetes Indexed Job: each pod\'s command with JOB_COMPLETION_INDEX 0, 1, 2, then the merge Job\'s command', () => {
    const docs = k8sDocs();
    const job = docs.find((d) => d['kind'] === 'Job' && d['spec']?.completionMode === 'Indexed')!;
    const shardContainer = containerOf(job);
    const env = envOf(shardContainer);
    // completions = parallelism = the shard count the command divides by
    expect(job['spec'].completions).toBe(Number(env['SHARDS']));
    expect(job['spec'].parallelism).toBe(Number(env['SHARDS']));
    expect(shardContainer.command).toEqual(['bash', '-c']);
    const results = join(work, 'k8s-results');
    for (let index = 0; index < Number(env['SHARDS']); index++) {
      const run = bash(shardContainer.args[0]!, { ...env, ...SMALL, RESULTS: results, JOB_COMPLETION_INDEX: String(index) });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain(`shard ${index + 1}/3 of sweep`);
    }
    expect(readdirSync(results).sort()).toEqual(['shard-1-of-3', 'shard-2-of-3', 'shard-3-of-3']);
    const mergeJob = docs.find((d) => d['kind'] === 'Job' && d['metadata'].name === 'denoise-bench-sweep-merge')!;
    const mergeContainer = containerOf(mergeJob);
    const report = join(work, 'k8s-report');
    const merged = bash(mergeContainer.args[0]!, { ...envOf(mergeContainer), RESULTS: results, REPORT: report });
    expect(merged.status, merged.stderr).toBe(0);
    const result = savedResult(report);
    expect(result.settings.shards).toBe(3);
    expect(imageFigures(result)).toEqual(imageFigures(unsharded));
    // Shards interleave and time every unit: the merged rows have every batch's timing.
    for (const c of result.configurations) expect(c.wall.samples).toBe(3);
  }, 200_000);

  it('GitHub Actions: the matrix job\'s run step for each shard, then the merge job\'s run step', () => {
    const workflow = parseYaml(readFileSync(join(REPO, '.github/workflows/bench-sweep.yml'), 'utf8')) as Record<string, any>;
    const env = Object.fromEntries(Object.entries(workflow['env'] as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const shardJob = workflow['jobs'].shard;
    const matrix = shardJob.strategy.matrix.shard as number[];
    expect(matrix).toEqual(Array.from({ length: Number(env['SHARDS']) }, (_, i) => i + 1));
    const step = (shardJob.steps as { id?: string; run?: string }[]).find((s) => s.id === 'run-shard')!.run!;
    const results = join(work, 'gh-results');
    for (const shard of matrix) {
      // GitHub substitutes ${{ matrix.shard }} before the shell sees the line.
      const run = bash(step.replaceAll('${{ matrix.shard }}', String(shard)), { ...env, ...SMALL, RESULTS: results });
      expect(run.status, run.stderr).toBe(0);
    }
    expect(workflow['jobs'].merge.needs).toBe('shard');
    const mergeStep = (workflow['jobs'].merge.steps as { id?: string; run?: string }[]).find((s) => s.id === 'merge')!.run!;
    const report = join(work, 'gh-report');
    const merged = bash(mergeStep, { ...env, RESULTS: results, REPORT: report });
    expect(merged.status, merged.stderr).toBe(0);
    expect(imageFigures(savedResult(report))).toEqual(imageFigures(unsharded));
  }, 200_000);
});

describe('shard folders that are not one whole sweep are refused (exit 2), naming what is wrong', () => {
  const out = join(work, 'errors');
  beforeAll(() => {
    for (const k of [1, 2]) expect(bench([...SMALL_ARGS, '--shard', `${k}/3`, '--out', out]).status).toBe(0);
  }, 130_000);

  it('a rerun of a finished shard resumes: nothing left to run', () => {
    const run = bench([...SMALL_ARGS, '--shard', '1/3', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/shard 1\/3 of sweep [0-9a-f]{16}: 0 unit\(s\) run, 3 already done/);
  });

  it('a missing shard: merge names it and how many units are missing', () => {
    const run = bench(['merge', out, '--out', join(work, 'errors-report')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/3 of 9 units of sweep [0-9a-f]{16} are missing \(shard 3\/3: 3 missing \(folder not given\)\)/);
  });

  it('a shard of another sweep, in the same folder or given to merge', () => {
    const other = [...SMALL_ARGS.slice(0, 3), '8', ...SMALL_ARGS.slice(4)]; // --fid-samples 8
    const clash = bench([...other, '--shard', '1/3', '--out', out]);
    expect(clash.status).toBe(2);
    expect(clash.stderr).toMatch(/shard-1-of-3 holds another sweep \(configurations\[0\]\.batches is 3 there, 4 now\); pass another --out/);
    const elsewhere = join(work, 'other');
    expect(bench([...other, '--shard', '3/3', '--out', elsewhere]).status).toBe(0);
    const run = bench(['merge', join(out, 'shard-1-of-3'), join(out, 'shard-2-of-3'), join(elsewhere, 'shard-3-of-3')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/shard-3-of-3 is a shard of another sweep than .*shard-1-of-3 \(configurations\[0\]\.batches: 3 in .*, 4 in .*\)/);
  });

  it('the same shard twice', () => {
    const copy = join(work, 'copy', 'shard-1-of-3');
    cpSync(join(out, 'shard-1-of-3'), copy, { recursive: true });
    const run = bench(['merge', join(out, 'shard-1-of-3'), copy]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/shard 1\/3 given twice/);
  });

  it('a shard whose plan was edited after it ran, or whose recorded images changed: the ids and hashes are recomputed', () => {
    // The unsharded run's folder (sweeps/<id>/shard-1-of-1), copied and tampered with.
    const sweeps = join(work, 'whole', 'sweeps');
    const [id] = readdirSync(sweeps);
    const shardCopy = (name: string): string => {
      const copy = join(work, name, 'shard-1-of-1');
      cpSync(join(sweeps, id!, 'shard-1-of-1'), copy, { recursive: true });
      return copy;
    };
    const edited = shardCopy('edited-plan');
    const manifest = JSON.parse(readFileSync(join(edited, 'shard.json'), 'utf8')) as { plan: { seed: number } };
    manifest.plan.seed += 1;
    writeFileSync(join(edited, 'shard.json'), JSON.stringify(manifest));
    const planRun = bench(['merge', edited, '--out', join(work, 'errors-report')]);
    expect(planRun.status).toBe(2);
    expect(planRun.stderr).toMatch(new RegExp(`shard\\.json: its plan makes sweep [0-9a-f]{16}, not the ${id} it records: the plan was edited after the shard ran`));

    const repainted = shardCopy('repainted-images');
    const npy = join(repainted, 'units', 'ddim-4', 'b000000.images.npy');
    const bytes = readFileSync(npy);
    bytes.writeFloatLE(bytes.readFloatLE(bytes.length - 4) + 0.5, bytes.length - 4); // the last pixel of the last image
    writeFileSync(npy, bytes);
    const imageRun = bench(['merge', repainted, '--out', join(work, 'errors-report')]);
    expect(imageRun.status).toBe(2);
    expect(imageRun.stderr).toContain(`${npy}: image 1 is not the one its record's sha256 names (2 recorded, 2 stored): the images changed after the unit was recorded`);
  });

  it('--shard needs a plan every host computes alike: not --iterations auto', () => {
    const run = bench(['--samplers', 'ddim-4', '--reference', 'none', '--shard', '1/2', '--out', join(work, 'auto')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--shard needs a plan every host computes alike: pass --iterations N/);
    const bad = bench(['--shard', '4/3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--shard.*expected K\/N with 1 ≤ K ≤ N \(e\.g\. 2\/3\), got '4\/3'/);
  });
});

describe('an unsharded FID run keeps its units and resumes', () => {
  it('a second run finds every unit done and gives the same figures', () => {
    const run = bench([...SMALL_ARGS, '--out', join(work, 'whole'), '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/shard 1\/1 of sweep [0-9a-f]{16}: 9 units \(9 already done\)/);
    expect(imageFigures(parseBenchResult(JSON.parse(run.stdout), 'stdout'))).toEqual(imageFigures(unsharded));
    for (const c of unsharded.configurations) {
      expect(c.distribution!.samples).toBe(6);
      expect(c.distribution!.fidInterval!.low).toBeLessThanOrEqual(c.distribution!.fidInterval!.high);
      expect(c.distribution!.classCounts.reduce((a, b) => a + b, 0)).toBe(6);
    }
  }, 130_000);
});

process.on('exit', () => rmSync(work, { recursive: true, force: true }));
