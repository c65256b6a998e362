// `pnpm bench --ep cpu,webgpu`: the sweep is timed on cpu, then every configuration runs once on webgpu from the
// same seed and is compared with cpu's images. Where the webgpu provider cannot start a session here (no Vulkan
// driver) the bench part is skipped, saying why, unless DENOISE_EXPECT_WEBGPU=1 (CI on Debian 12 sets it after
// installing Mesa's lavapipe): then an unusable webgpu fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listExecutionProviders } from '@denoise/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const EXPECT_WEBGPU = process.env['DENOISE_EXPECT_WEBGPU'] === '1';
const statuses = await listExecutionProviders();
const webgpu = statuses.find((s) => s.name === 'webgpu');
const cuda = statuses.find((s) => s.name === 'cuda');
const webgpuUsable = webgpu?.usable === true;
const skipBench = !webgpuUsable && !EXPECT_WEBGPU;
const skipWhy = `webgpu provider not usable here (${webgpu?.reason ?? 'not listed by onnxruntime-node'}); set DENOISE_EXPECT_WEBGPU=1 to make this a failure`;
if (skipBench) process.stderr.write(`bench-cross-provider: skipping the cpu,webgpu run: ${skipWhy}\n`);

/** A hardware GPU the WebGPU provider would prefer: a DRM render node, or the NVIDIA driver. */
const hasHardwareGpu = (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'))) || existsSync('/proc/driver/nvidia/version');

const bench = (args: readonly string[], timeout = 120_000) => spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout });

describe('pnpm bench --ep: the provider list is validated before anything runs', () => {
  it.skipIf(!EXPECT_WEBGPU)('DENOISE_EXPECT_WEBGPU=1: the webgpu provider is usable', () => {
    expect(webgpuUsable, `DENOISE_EXPECT_WEBGPU=1 but webgpu is not usable: ${webgpu?.reason ?? 'not listed'}`).toBe(true);
  });

  it.each([
    ['a duplicate', 'cpu,cpu', /execution provider 'cpu' is listed twice/],
    ['an unknown name', 'cpu,vulkan', /unknown execution provider 'vulkan'; allowed: cpu, webgpu, cuda, auto/],
    ["'auto' in a list", 'cpu,auto', /'auto' stands alone/],
  ])('rejects %s with exit 2', (_, list, message) => {
    const run = bench(['--ep', list, '--samplers', 'ddim-2', '--reference', 'none', '--out', mkdtempSync(join(tmpdir(), 'denoise-bench-ep-'))]);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it.skipIf(cuda?.usable !== false)('names an unusable provider of the list, and why, with exit 2', () => {
    const out = mkdtempSync(join(tmpdir(), 'denoise-bench-ep-'));
    const run = bench(['--ep', 'cpu,cuda', '--samplers', 'ddim-2', '--reference', 'none', '--out', out]);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--ep: execution provider 'cuda' is not usable here \(.+\); usable: cpu/);
    expect(existsSync(join(out, 'history'))).toBe(false);
  });

  it('parseBenchResult accepts a result without crossProvider and rejects a malformed one, naming the key', () => {
    const checkBenchResult = (value: unknown) => parseBenchResult(value, 'r.json');
    const wall = { meanMs: 1, p50Ms: 1, p99Ms: 1, minMs: 1, maxMs: 1, sdMs: 0, moeMs: 0, rmePct: null, samples: 1 };
    const valid = {
      schema: 'denoise-bench/3',
      environment: { cpuModel: 'x', logicalCores: 1, memoryGiB: 1, os: 'linux', node: 'v20', onnxruntime: '1', denoise: '0', gitCommit: 'abc', gitDirty: false, date: 'd' },
      settings: { model: 'm', modelSha256: 's', executionProvider: 'cpu', threads: 1, batch: 2, seed: 0, generator: 'torch', seeding: 'per-image', iterations: 1, quick: false, reference: 'none' },
      bareCall: wall,
      configurations: [
        { name: 'ddim-10', kind: 'ddim', steps: 10, modelCalls: 10, eta: 0, spacing: 'leading', stochastic: false, wall, callsPerSec: 1, imagesPerSec: 1, modelMsPerCall: 1, loopMsPerCall: 0, ceilingMs: 1, overheadPct: 0, peakRssMiB: 1, quality: { kind: 'unmeasured' }, fid: null, kid: null },
      ],
    };
    expect(() => checkBenchResult(valid)).not.toThrow();
    const adapter = { vendor: 'Mesa', device: 'lavapipe', driver: 'libvulkan_lvp.so', software: true };
    const cross = { primary: 'cpu', providers: [{ executionProvider: 'webgpu', adapter, sessionMs: 1, rows: [{ name: 'ddim-10', maxAbsDiff: 1e-5, ssimMean: 1, wallMs: 1 }] }] };
    expect(() => checkBenchResult({ ...valid, crossProvider: cross })).not.toThrow();
    expect(() => checkBenchResult({ ...valid, crossProvider: { ...cross, providers: [{ ...cross.providers[0], rows: [] }] } })).toThrow(/crossProvider\.providers\[0\]\.rows: Too small/);
    expect(() => checkBenchResult({ ...valid, crossProvider: { ...cross, providers: [{ ...cross.providers[0], adapter: { ...adapter, software: 'yes' } }] } })).toThrow(
      /crossProvider\.providers\[0\]\.adapter\.software: Invalid input: expected boolean/,
    );
    expect(() => checkBenchResult({ ...valid, settings: { ...valid.settings, adapter: { vendor: '' } } })).toThrow(/settings\.adapter\.vendor/);
  });
});

describe.skipIf(skipBench)(`pnpm bench --ep cpu,webgpu${skipBench ? ` (skipped: ${skipWhy})` : ''}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'denoise-bench-cross-'));
  let result: BenchResult;
  let stderr = '';

  beforeAll(() => {
    const run = bench(
      ['--ep', 'cpu,webgpu', '--samplers', 'ddim-10,dpm-solver-10', '--reference', 'none', '--batch', '2', '--iterations', '1', '--threads', '1', '--json', '--out', out],
      150_000,
    );
    stderr = run.stderr;
    expect(run.status, stderr).toBe(0);
    result = parseBenchResult(JSON.parse(run.stdout), 'stdout');
  }, 160_000);

  it('times the sweep on cpu, then compares every configuration run once on webgpu with cpu\'s images', () => {
    // About 12 s here (2 cores, lavapipe): cpu sweep ~2 s, webgpu session 0.35 s, warm-up 0.7 s (shaders), ~4 s per configuration.
    expect(result.settings.executionProvider).toBe('cpu');
    expect(result.settings.adapter).toBeUndefined();
    const cross = result.crossProvider!;
    expect(cross.primary).toBe('cpu');
    expect(cross.providers.map((p) => p.executionProvider)).toEqual(['webgpu']);
    const [run] = cross.providers;
    expect(run!.rows.map((r) => r.name)).toEqual(['ddim-10', 'dpm-solver-10']);
    for (const row of run!.rows) {
      // Same weights, x_T and seed; different float32 kernels, so bit identity is not expected. Measured on lavapipe:
      // ddim-10 1.52e-5, dpm-solver-10 9.27e-6 max abs diff; SSIM 1 (the 8-bit images are identical).
      expect(row.maxAbsDiff).toBeGreaterThanOrEqual(0);
      expect(row.maxAbsDiff).toBeLessThan(1e-3);
      expect(row.ssimMean).toBeGreaterThan(0.999);
      expect(row.wallMs).toBeGreaterThan(0);
    }
    expect(run!.sessionMs).toBeGreaterThan(0);
    expect(stderr).toMatch(/webgpu \[2\/2\] dpm-solver-10: \d+ ms, max abs diff vs cpu/);
  });

  it('records the adapter: a software one (lavapipe) on a machine without a GPU', () => {
    const adapter = result.crossProvider!.providers[0]!.adapter!;
    expect(adapter).toMatchObject({ vendor: expect.any(String), device: expect.any(String), driver: expect.any(String) });
    expect(adapter.software).toBe(!hasHardwareGpu);
  });

  it('renders the section in table.md and in the HTML report', () => {
    const [dir] = readdirSync(join(out, 'history'));
    const markdown = readFileSync(join(out, 'history', dir!, 'table.md'), 'utf8');
    expect(markdown).toContain('## Across execution providers');
    expect(markdown).toMatch(/\| ddim-10 \| \d+ \| \d+ \| \d\.\d\de[-+]\d+ \| (1\.00000|0\.999\d\d) \|/);
    expect(markdown).toMatch(/\| dpm-solver-10 \| \d+ \| \d+ \| /);
    const html = readFileSync(join(out, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<h3>Across execution providers</h3>');
    expect(html).toContain('<table class="cross-provider" data-provider="webgpu">');
    if (!hasHardwareGpu) {
      expect(markdown).toContain('### webgpu vs cpu (software adapter)');
      expect(markdown).toContain('software adapter (CPU speed, not a GPU)');
      expect(html).toContain('<span class="software">(software adapter)</span>');
    }
  });
});
