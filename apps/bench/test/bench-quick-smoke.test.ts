import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';
import { compareResults } from '../src/compare.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const out = mkdtempSync(join(tmpdir(), 'denoise-bench-'));
let result: BenchResult;
let stderr = '';
let stdout = '';

beforeAll(() => {
  // The CI smoke run: the embedded model, --quick, one thread so that it does not fight the other test files.
  const run = spawnSync(process.execPath, [BENCH, '--quick', '--json', '--threads', '1', '--baseline', 'torch', '--out', out], { encoding: 'utf8', timeout: 240_000 });
  stderr = run.stderr;
  stdout = run.stdout;
  expect(run.status, stderr).toBe(0);
  result = parseBenchResult(JSON.parse(stdout), 'stdout');
}, 250_000);

describe('pnpm bench --quick', () => {
  it('prints a JSON result that matches its schema, with every configuration', () => {
    expect(result.settings).toMatchObject({ batch: 2, quick: true, reference: 'ddim-100', executionProvider: 'cpu', threads: 1 });
    expect(result.configurations.map((c) => c.name)).toEqual(['ddim-10', 'ddim-20', 'ddim-10-eta0.5', 'ddpm-20', 'dpm-solver-10', 'heun-5', 'ddim-100']);
    // The unit of cost is the model call: Heun makes two per step but one at the last.
    expect(result.configurations.map((c) => c.modelCalls)).toEqual([10, 20, 10, 20, 10, 9, 100]);
    const byName = new Map(result.configurations.map((c) => [c.name, c]));
    expect(byName.get('ddim-100')!.quality).toEqual({ kind: 'reference' });
    expect(byName.get('ddpm-20')!.quality).toEqual({ kind: 'stochastic' });
    const ddim20 = byName.get('ddim-20')!.quality;
    const ddim10 = byName.get('ddim-10')!.quality;
    if (ddim20.kind !== 'measured' || ddim10.kind !== 'measured') throw new Error('ddim-10/20 should have measured quality');
    // More steps come closer to the reference (the ODE limit).
    expect(ddim20.ssimMean).toBeGreaterThan(ddim10.ssimMean);
    for (const c of result.configurations) {
      // --quick: 2 interleaved rounds; the reference runs its one batch.
      expect(c.wall.samples).toBe(c.name === 'ddim-100' ? 1 : 2);
      expect(c.images).toBe(c.name === 'ddim-100' ? 2 : 4);
      expect(c.imageDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(c.fid).toBeNull();
      // Present and plausible; which is larger is the machine's business, not a test's (speed is measured, not asserted).
      expect(c.modelMsPerCall).toBeGreaterThan(0);
      expect(c.loopMsPerCall).toBeGreaterThanOrEqual(0);
    }
  });

  it('--baseline torch: runs PyTorch on the same weights and x_T where python3-torch is installed, else says why', () => {
    const baseline = result.torchBaseline!;
    const torchInstalled = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
    expect(baseline.available).toBe(torchInstalled);
    if (!baseline.available) {
      expect(baseline.reason).toMatch(/python3|torch/);
      expect(stderr).toContain('torch baseline skipped:');
      return;
    }
    expect(baseline.rows.map((r) => r.name)).toEqual(result.configurations.filter((c) => c.kind === 'ddim' || c.kind === 'ddpm').map((c) => c.name));
    expect(stderr).toContain('torch baseline: no PyTorch loop for dpm-solver-10, heun-5');
    for (const row of baseline.rows) {
      // Same weights, same x_T, same torch-compatible step noise: float32 differences only.
      expect(row.maxAbsDiff).toBeLessThan(1e-3);
      expect(row.ssimMean).toBeGreaterThan(0.999);
    }
  });

  it('keeps the run in history and writes the report, and says where', () => {
    const runs = readdirSync(join(out, 'history'));
    expect(runs).toHaveLength(1);
    const dir = join(out, 'history', runs[0]!);
    expect(readdirSync(dir).sort()).toEqual(['grids', 'result.json', 'table.md']);
    expect(readdirSync(join(dir, 'grids')).sort()).toEqual(['ddim-10-eta0.5.png', 'ddim-10.png', 'ddim-100.png', 'ddim-20.png', 'ddpm-20.png', 'dpm-solver-10.png', 'heun-5.png']);
    expect(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))).toEqual(result);
    expect(readFileSync(join(dir, 'table.md'), 'utf8')).toMatch(/\| ddim-20 \| .* \| n\/a|\| ddim-20 \|/);
    expect(stderr).toContain(`report: ${join(out, 'report', 'index.html')}`);
  });

  it('bench compare: a missing argument or an unreadable result is a usage error (exit 2), saying which', () => {
    const one = spawnSync(process.execPath, [BENCH, 'compare', 'only-one.json'], { encoding: 'utf8' });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/missing required argument 'new'/);
    const missing = spawnSync(process.execPath, [BENCH, 'compare', join(out, 'nope.json'), join(out, 'nope.json'), '--out', join(out, 'compare-missing')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.json: cannot read a bench result');
    // Two files to --compare was the old spelling: refused now, pointing at the subcommand's help.
    const old = spawnSync(process.execPath, [BENCH, '--compare', 'a.json', 'b.json'], { encoding: 'utf8' });
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('pnpm bench compare OLD.json NEW.json');
  });

  it('bench compare: a result with a negative wall time is refused naming the key (exit 2)', () => {
    const saved = join(out, 'history', readdirSync(join(out, 'history'))[0]!, 'result.json');
    const edited = JSON.parse(readFileSync(saved, 'utf8')) as { configurations: { wall: { meanMs: number } }[] };
    edited.configurations[0]!.wall.meanMs = -5;
    const negative = join(out, 'negative-wall.json');
    writeFileSync(negative, JSON.stringify(edited));
    const run = spawnSync(process.execPath, [BENCH, 'compare', saved, negative, '--out', join(out, 'compare-negative')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/configurations\[0\]\.wall\.meanMs.*a finite number ≥ 0/);
  });

  it('compares two results without running, and finds no regression in a result against itself', () => {
    const saved = join(out, 'history', readdirSync(join(out, 'history'))[0]!, 'result.json');
    const run = spawnSync(process.execPath, [BENCH, 'compare', saved, saved, '--out', join(out, 'compare')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| ddim-20 \| 1\.000× \| within noise \| 0\.0000 \| within noise \|/);
    expect(run.stdout).toContain('No regression beyond the measured noise.');
  });

  it('flags a slowdown beyond the measured noise, and a quality drop, but not a change within the noise', () => {
    const slower = structuredClone(result) as unknown as { configurations: { wall: { meanMs: number; moeMs: number }; quality: { kind: string; ssimMean?: number } }[] };
    const [first, second] = slower.configurations;
    first!.wall.meanMs += 3 * (first!.wall.moeMs + result.configurations[0]!.wall.moeMs) + 1;
    second!.wall.meanMs += 0.25 * result.configurations[1]!.wall.moeMs;
    second!.quality.ssimMean! -= 0.2;
    const comparison = compareResults(result, slower as unknown as BenchResult);
    expect(comparison.rows[0]).toMatchObject({ name: 'ddim-10', speed: 'slower', quality: 'within noise' });
    expect(comparison.rows[1]).toMatchObject({ name: 'ddim-20', speed: 'within noise', quality: 'worse' });
    expect(comparison.rows[3]).toMatchObject({ name: 'ddpm-20', quality: 'stochastic' });
    expect(comparison.regressions).toBe(2);
    const otherBatch = structuredClone(result) as { settings: { batch: number } };
    otherBatch.settings.batch = 4;
    expect(compareResults(result, otherBatch as unknown as BenchResult).differences).toContain(
      'batch 2 vs 4: times per batch differ by design, quality is not compared',
    );
  });

  it('renders the HTML report in Chromium: the table, the chart and the grids', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is needed (apt-get install chromium; .ci/run installs it)`).toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
      await page.goto(`file://${join(out, 'report', 'index.html')}`);
      expect(await page.locator('table.results tbody tr').count()).toBe(7);
      expect(await page.locator('svg.chart g.point').count()).toBe(7);
      const widths = await page.locator('.grids img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(7);
      for (const w of widths) expect(w).toBeGreaterThan(32);
      await page.screenshot({ path: join(out, 'report', 'screenshot.png'), fullPage: true });
      // The comparison report shows both runs side by side.
      await page.goto(`file://${join(out, 'compare', 'report', 'index.html')}`);
      expect(await page.locator('section.run').count()).toBe(2);
      expect(await page.locator('table.results tbody tr').count()).toBe(14);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
