/**
 * `pnpm test:golden`: every case of fixtures/golden/manifest.json, checked three ways —
 * provenance + similarity against its golden PNG, two runs in this process byte-identical, and a run in a
 * fresh Node.js process byte-identical. The fresh process runs all cases at once, beside this one.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '@denoise/image';
import { checkGoldenCase, type GoldenVerdict } from '../src/golden-check.js';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { GoldenRunner, type GoldenRun } from '../src/golden-run.js';
import { runInFreshProcess, type FreshProcessRun } from '../src/fresh-process.js';
import { defaultArtifactsDir, defaultManifestPath, repoRoot } from '../src/repo-paths.js';
import { formatSummaryTable } from '../src/summary-table.js';

const manifestPath = defaultManifestPath();
const goldenDir = join(manifestPath, '..');
const artifactsDir = defaultArtifactsDir();
const rootDir = repoRoot();
const manifest = await readGoldenManifest(manifestPath);
const runner = new GoldenRunner(manifest.runtime, rootDir);
const verdicts: GoldenVerdict[] = [];
let fresh: FreshProcessRun;

beforeAll(async () => {
  fresh = runInFreshProcess(manifestPath, rootDir);
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
  let first: GoldenRun;
  beforeAll(async () => {
    first = await runner.run(goldenCase);
  });

  it('matches its golden: provenance, SSIM and PSNR per image, bits where the environment is the golden’s', async () => {
    const verdict = await checkGoldenCase(goldenCase, first, { goldenDir, artifactsDir });
    verdicts.push(verdict);
    if (verdict.state !== 'pass') expect.fail(verdict.message);
  });

  it('gives byte-identical floats on a second run in this process', async () => {
    const second = await runner.run(goldenCase);
    expect(second.floatSha256, 'sha256 of x_0 float32 bytes, run 2 vs run 1').toBe(first.floatSha256);
  });

  it('gives byte-identical floats in a fresh process', async () => {
    const hash = await fresh.floatSha256(goldenCase.name);
    expect(hash, 'sha256 of x_0 float32 bytes, fresh process vs this one').toBe(first.floatSha256);
  });
});
