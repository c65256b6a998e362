/**
 * `pnpm test:golden`: every case of fixtures/golden/manifest.json under vitest, one test per case, each
 * asserting the verdict of the one golden check (src/check-goldens.ts, which `denoise golden` runs too):
 * provenance + similarity against its golden PNG, two runs in this process byte-identical, and a run in a
 * fresh Node.js process byte-identical (CPU cases). A webgpu case skips where webgpu is not usable, or
 * fails there when DENOISE_EXPECT_WEBGPU=1. The summary table is printed at the end and left in artifacts/golden/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GoldenCheck } from '../src/check-goldens.js';
import { readGoldenManifest } from '../src/golden-manifest.js';
import { defaultArtifactsDir, defaultManifestPath } from '../src/repo-paths.js';

const manifestPath = defaultManifestPath();
const manifest = await readGoldenManifest(manifestPath);
let check: GoldenCheck;

beforeAll(async () => {
  check = await GoldenCheck.open({ manifestPath, artifactsDir: defaultArtifactsDir() });
});

afterAll(async () => {
  const summary = await check.close();
  if (summary.table !== '') console.log(`golden summary (threads ${summary.threads}, also in ${summary.summaryPath}):\n${summary.table}`);
});

it.for(manifest.cases.map((c) => c.name))('%s', async (name, { skip }) => {
  const result = await check.checkCase(name);
  if (result.state === 'skipped') skip(result.failures.join('\n'));
  if (result.state === 'fail') expect.fail(result.failures.join('\n'));
});
