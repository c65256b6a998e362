/**
 * A webgpu case (executionProvider 'webgpu' + goldenOf): `--update` makes no golden for it, the check compares
 * it with its CPU case's golden by SSIM/PSNR only, the fresh process leaves it out, and where webgpu is not
 * usable it skips, or fails when DENOISE_EXPECT_WEBGPU=1. None of this needs a working webgpu provider: the
 * runs here are CPU runs presented as webgpu ones (the golden suite runs the real one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionProviderStatus } from '@denoise/runtime';
import { checkGoldenCase } from '../src/golden-check.js';
import { goldenSource, readGoldenManifest, type GoldenCase } from '../src/golden-manifest.js';
import { decideProvider, EXPECT_WEBGPU_ENV } from '../src/golden-providers.js';
import { floatSha256, GoldenRunner, type GoldenRun } from '../src/golden-run.js';
import { formatGoldenUpdate, updateGoldens } from '../src/golden-update.js';
import { runInFreshProcess } from '../src/fresh-process.js';
import { formatSummaryTable } from '../src/summary-table.js';
import { BASE_CASE, tempGoldens, writeManifest } from './temp-goldens.js';

const WEBGPU_CASE = { ...BASE_CASE, name: 'ddim-10-seed0-webgpu', executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0', ssimThreshold: 0.995 } as const;

describe('decideProvider', () => {
  const statuses = (usable: boolean): ExecutionProviderStatus[] => [
    { name: 'cpu', bundled: true, usable: true },
    usable ? { name: 'webgpu', bundled: true, usable: true } : { name: 'webgpu', bundled: true, usable: false, reason: 'no Vulkan adapter found' },
  ];

  it('runs cpu cases always, and webgpu cases where the provider is usable', () => {
    expect(decideProvider('cpu', [], {}).action).toBe('run');
    expect(decideProvider('webgpu', statuses(true), { [EXPECT_WEBGPU_ENV]: '1' }, 'Mesa lavapipe')).toMatchObject({ action: 'run', message: 'webgpu is usable: Mesa lavapipe' });
  });

  it('skips a webgpu case where the provider is not usable, saying why and how to make it a failure', () => {
    for (const env of [{}, { [EXPECT_WEBGPU_ENV]: '0' }, { [EXPECT_WEBGPU_ENV]: '' }]) {
      const decision = decideProvider('webgpu', statuses(false), env);
      expect(decision.action).toBe('skip');
      expect(decision.message).toBe(
        "skipped: the webgpu provider is not usable here (no Vulkan adapter found). Install a Vulkan driver (Mesa's lavapipe serves without a GPU) to run it; DENOISE_EXPECT_WEBGPU=1 makes this a failure instead.",
      );
    }
  });

  it('fails it instead when DENOISE_EXPECT_WEBGPU=1', () => {
    const decision = decideProvider('webgpu', statuses(false), { [EXPECT_WEBGPU_ENV]: '1' });
    expect(decision.action).toBe('fail');
    expect(decision.message).toMatch(/^the webgpu provider is not usable here \(no Vulkan adapter found\), but DENOISE_EXPECT_WEBGPU=1 says it must be/);
    expect(decideProvider('webgpu', [], { [EXPECT_WEBGPU_ENV]: '1' }).message).toContain('(onnxruntime-node does not list it)');
  });
});

describe('a webgpu case with goldenOf', () => {
  let temp: Awaited<ReturnType<typeof tempGoldens>>;
  let cases: readonly GoldenCase[];
  let runner: GoldenRunner;
  let cpuRun: GoldenRun;

  beforeAll(async () => {
    temp = await tempGoldens([BASE_CASE, WEBGPU_CASE]);
    const update = await updateGoldens({ manifestPath: temp.manifestPath });
    expect(update.changes).toEqual([
      { state: 'new', caseName: 'ddim-10-seed0' },
      { state: 'skipped', caseName: 'ddim-10-seed0-webgpu', executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0' },
    ]);
    expect(formatGoldenUpdate(update, temp.dir)).toContain(
      "  skipped    ddim-10-seed0-webgpu  webgpu: no golden of its own; checked against ddim-10-seed0's\n2 cases: 1 new, 0 changed, 0 unchanged, 1 skipped (no golden of their own).",
    );
    const manifest = await readGoldenManifest(temp.manifestPath);
    cases = manifest.cases;
    runner = new GoldenRunner(manifest.runtime, { manifestPath: temp.manifestPath });
    cpuRun = await runner.run(cases[0]!);
  });

  afterAll(async () => {
    await runner?.dispose();
  });

  const asWebgpu = (samples: Float32Array): GoldenRun => ({ ...cpuRun, caseName: WEBGPU_CASE.name, samples, floatSha256: floatSha256(samples), executionProvider: 'webgpu' });
  const check = (run: GoldenRun) =>
    checkGoldenCase(cases[1]!, run, { goldenDir: join(temp.manifestPath, '..'), artifactsDir: temp.artifactsDir, goldenOf: goldenSource(cases[1]!, cases) });

  it('gets no golden PNG or golden block from --update, and an update leaves it as written', async () => {
    expect(existsSync(join(temp.dir, 'golden', 'ddim-10-seed0.png'))).toBe(true);
    expect(existsSync(join(temp.dir, 'golden', 'ddim-10-seed0-webgpu.png'))).toBe(false);
    expect(cases[1]).toMatchObject({ executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0' });
    expect(cases[1]?.golden).toBeUndefined();
    const before = readFileSync(temp.manifestPath);
    const again = await updateGoldens({ manifestPath: temp.manifestPath });
    expect(again.changes.map((c) => c.state)).toEqual(['unchanged', 'skipped']);
    expect(again.orphans).toEqual([]);
    expect(readFileSync(temp.manifestPath).equals(before)).toBe(true);
  });

  it('refuses to update a webgpu case without goldenOf (the manifest parser refuses it first)', async () => {
    const { manifestPath, dir } = await tempGoldens([BASE_CASE]);
    await writeManifest(manifestPath, [BASE_CASE, { ...BASE_CASE, name: 'lone-webgpu', executionProvider: 'webgpu' }]);
    await expect(updateGoldens({ manifestPath })).rejects.toThrow('invalid cases[1].goldenOf: got undefined');
    expect(existsSync(join(dir, 'golden', 'ddim-10-seed0.png'))).toBe(false);
  });

  it('passes against its CPU case’s golden by SSIM and PSNR, under its own threshold, with no bits required', async () => {
    // A provider's float drift: 1e-5 relative, about what lavapipe gives.
    const drifted = cpuRun.samples.map((v, i) => v + (i % 2 === 0 ? 1e-5 : -1e-5));
    const verdict = await check(asWebgpu(drifted));
    if (verdict.state !== 'pass') throw new Error(verdict.message);
    expect(verdict.message).toMatch(/^golden case 'ddim-10-seed0-webgpu' \(webgpu, compared with the golden of 'ddim-10-seed0'\): min SSIM 0\.99\d+ ≥ 0\.995/);
    expect(verdict.comparison).toMatchObject({ ssimThreshold: 0.995, bitIdentical: false, bitRequired: false, executionProvider: 'webgpu', goldenOf: 'ddim-10-seed0' });
    expect(formatSummaryTable([verdict])).toContain('| n/a (webgpu)  |');
  });

  it('fails below its threshold with failure strips named after itself, and says regenerating is not the fix', async () => {
    const noisy = cpuRun.samples.map((v, i) => v + (i % 3 === 0 ? 0.4 : -0.2));
    const verdict = await check(asWebgpu(noisy));
    if (verdict.state !== 'fail') throw new Error(`expected a failure, got ${verdict.state}`);
    expect(verdict.artifacts.sideBySide).toBe(join(temp.artifactsDir, 'ddim-10-seed0-webgpu.png'));
    expect(verdict.message).toContain('strays from the CPU golden beyond the case\'s thresholds');
    expect(verdict.message).not.toContain('--update');
  });

  it('is stale when its CPU case’s golden is, and must be given that case', async () => {
    const other = { ...cases[0]!, golden: { ...cases[0]!.golden!, modelSha256: 'f'.repeat(64) } };
    const verdict = await checkGoldenCase(cases[1]!, asWebgpu(cpuRun.samples), { goldenDir: join(temp.manifestPath, '..'), artifactsDir: temp.artifactsDir, goldenOf: other });
    expect(verdict.state).toBe('stale');
    expect(verdict.message).toMatch(/^golden case 'ddim-10-seed0-webgpu' \(webgpu, compared with the golden of 'ddim-10-seed0'\) was made with model sha256 ffffffffffff/);
    await expect(checkGoldenCase(cases[1]!, asWebgpu(cpuRun.samples), { goldenDir: temp.dir, artifactsDir: temp.artifactsDir })).rejects.toThrow(
      "golden case 'ddim-10-seed0-webgpu' is compared with the golden of 'ddim-10-seed0': pass that case as options.goldenOf",
    );
  });

  it('is left out of the fresh-process run, which refuses it by name', async () => {
    const fresh = runInFreshProcess(temp.manifestPath);
    expect(await fresh.floatSha256('ddim-10-seed0')).toBe(cpuRun.floatSha256);
    await fresh.done;
    await expect(fresh.floatSha256('ddim-10-seed0-webgpu')).rejects.toThrow('exited without reporting this case');
    const named = runInFreshProcess(temp.manifestPath, ['ddim-10-seed0-webgpu']);
    await expect(named.done).rejects.toThrow('the fresh-process check runs cpu cases only; not: ddim-10-seed0-webgpu (webgpu)');
  });
});

describe('formatSummaryTable', () => {
  it('lists a skipped or unavailable case with dashes', () => {
    const table = formatSummaryTable([
      { state: 'skipped', caseName: 'w', message: '' },
      { state: 'unavailable', caseName: 'u', message: '' },
    ]);
    expect(table.split('\n').slice(2)).toEqual([
      '| w    | skipped     | –        | –              | –           | –             | –            | –             |',
      '| u    | unavailable | –        | –              | –           | –             | –            | –             |',
    ]);
  });
});
