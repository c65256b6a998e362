/**
 * `pnpm test:golden`: every case of fixtures/golden/manifest.json, checked three ways —
 * provenance + similarity against its golden PNG, two runs in this process byte-identical, and a run in a
 * fresh Node.js process byte-identical. The fresh process runs all CPU cases at once, beside this one.
 * A webgpu case is compared with the golden of the CPU case its goldenOf names (SSIM/PSNR only) and must be
 * byte-identical across two runs in this process; it skips where webgpu is not usable, or fails there
 * when DENOISE_EXPECT_WEBGPU=1.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '@denoise/image';
import { checkGoldenCase, type GoldenVerdict } from '../src/golden-check.js';
import { goldenSource, readGoldenManifest } from '../src/golden-manifest.js';
import { decideProviders } from '../src/golden-providers.js';
import { GoldenRunner, type GoldenRun } from '../src/golden-run.js';
import { runInFreshProcess, type FreshProcessRun } from '../src/fresh-process.js';
import { defaultArtifactsDir, defaultManifestPath } from '../src/repo-paths.js';
import { formatSummaryTable } from '../src/summary-table.js';

const manifestPath = defaultManifestPath();
const goldenDir = join(manifestPath, '..');
const artifactsDir = defaultArtifactsDir();
const manifest = await readGoldenManifest(manifestPath);
const runner = new GoldenRunner(manifest.runtime, { manifestPath });
const verdicts: GoldenVerdict[] = [];
const decisions = await decideProviders(manifest.cases);
/** First runs by case name: a webgpu case reports its float difference from its CPU case's run. */
const firstRuns = new Map<string, GoldenRun>();
let fresh: FreshProcessRun;

beforeAll(async () => {
  fresh = runInFreshProcess(manifestPath);
  // Failure strips of an earlier run would pass for this run's.
  await rm(artifactsDir, { recursive: true, force: true });
});

afterAll(async () => {
  fresh.stop();
  await runner.dispose();
  if (verdicts.length === 0) return;
  const table = formatSummaryTable(verdicts);
  await mkdir(artifactsDir, { recursive: true });
  await writeFileAtomic(join(artifactsDir, 'summary.md'), `${table}\n`);
  console.log(`golden summary (threads ${manifest.runtime.threads}, also in ${join(artifactsDir, 'summary.md')}):\n${table}`);
});

describe.each(manifest.cases.map((c) => [c.name, c] as const))('%s', (_name, goldenCase) => {
  const decision = decisions.get(goldenCase.executionProvider);
  const onCpu = goldenCase.executionProvider === 'cpu';
  let first: GoldenRun | undefined;
  beforeAll(async () => {
    if (decision?.action === 'skip' || decision?.action === 'fail') {
      console.warn(`golden case '${goldenCase.name}' (${goldenCase.executionProvider}): ${decision.message}`);
      verdicts.push({ state: decision.action === 'skip' ? 'skipped' : 'unavailable', caseName: goldenCase.name, message: decision.message });
      return;
    }
    first = await runner.run(goldenCase);
    firstRuns.set(goldenCase.name, first);
    if (!onCpu) console.log(describeProviderRun(first, goldenCase.goldenOf === undefined ? undefined : firstRuns.get(goldenCase.goldenOf)));
  });
  /** The first run, or the skip (webgpu not usable) or failure (not usable, but DENOISE_EXPECT_WEBGPU=1). */
  const firstRun = (skip: (note: string) => never): GoldenRun => {
    if (decision?.action === 'skip') skip(decision.message);
    if (decision?.action === 'fail') expect.fail(`golden case '${goldenCase.name}': ${decision.message}`);
    if (first === undefined) throw new Error(`golden case '${goldenCase.name}' did not run`);
    return first;
  };

  it(onCpu
    ? 'matches its golden: provenance, SSIM and PSNR per image, bits where the environment is the golden’s'
    : `matches the golden of ${goldenCase.goldenOf} by SSIM and PSNR per image (${goldenCase.executionProvider}: bits are not expected to match)`, async ({ skip }) => {
    const run = firstRun(skip);
    const source = goldenSource(goldenCase, manifest.cases);
    const verdict = await checkGoldenCase(goldenCase, run, { goldenDir, artifactsDir, ...(source !== goldenCase ? { goldenOf: source } : {}) });
    verdicts.push(verdict);
    if (verdict.state !== 'pass') expect.fail(verdict.message);
  });

  it('gives byte-identical floats on a second run in this process', async ({ skip }) => {
    const run = firstRun(skip);
    const second = await runner.run(goldenCase);
    expect(second.floatSha256, `sha256 of x_0 float32 bytes, run 2 vs run 1 (${goldenCase.executionProvider})`).toBe(run.floatSha256);
  });

  // The cross-process float-hash check is the CPU's: fresh-run-main runs only CPU cases.
  if (onCpu) {
    it('gives byte-identical floats in a fresh process', async () => {
      const hash = await fresh.floatSha256(goldenCase.name);
      expect(hash, 'sha256 of x_0 float32 bytes, fresh process vs this one').toBe(first?.floatSha256);
    });
  }
});

/** One line for a run off the CPU: where it ran, how long, and how far its floats are from its CPU case's run. */
function describeProviderRun(run: GoldenRun, cpuRun: GoldenRun | undefined): string {
  const adapter = run.adapter ? ` on ${run.adapter.vendor} ${run.adapter.device}${run.adapter.software ? ' (software)' : ''}` : '';
  let versus = '';
  if (cpuRun !== undefined && cpuRun.samples.length === run.samples.length) {
    let max = 0;
    for (let i = 0; i < run.samples.length; i++) max = Math.max(max, Math.abs((run.samples[i] as number) - (cpuRun.samples[i] as number)));
    versus = `; max |x_0 − cpu x_0| ${max.toExponential(2)} (vs ${cpuRun.caseName})`;
  }
  return `golden case '${run.caseName}': ${run.executionProvider}${adapter}, sampling ${(run.wallMs / 1000).toFixed(1)} s${versus}`;
}
