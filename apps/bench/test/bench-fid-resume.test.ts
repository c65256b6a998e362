import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBenchResult, type BenchResult } from '../src/bench-result.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));

function runFid(out: string): { result: BenchResult; stderr: string } {
  const run = spawnSync(
    process.execPath,
    [BENCH, '--quality', 'fid', '--fid-samples', '6', '--batch', '3', '--samplers', 'ddim-10,ddim-10-eta1,ddpm-10', '--reference', 'ddim-20', '--iterations', '1', '--threads', '1', '--json', '--out', out],
    { encoding: 'utf8', timeout: 240_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const parsed: unknown = JSON.parse(run.stdout);
  checkBenchResult(parsed);
  return { result: parsed, stderr: run.stderr };
}

describe('pnpm bench --quality fid', () => {
  it('fills FID, KID and the class histogram for every configuration but the reference, and resumes finished ones', () => {
    const out = mkdtempSync(join(tmpdir(), 'denoise-fid-'));
    const first = runFid(out);
    expect(first.result.settings.fid).toMatchObject({ samples: 6 });
    for (const c of first.result.configurations) {
      if (c.name === 'ddim-20') {
        expect(c.fid).toBeNull();
        continue;
      }
      expect(c.fid).toBeGreaterThan(0);
      expect(Number.isFinite(c.kid)).toBe(true);
      expect(c.distribution!.samples).toBe(6);
      expect(c.distribution!.classCounts.reduce((a, b) => a + b, 0)).toBe(6);
      expect(c.wall.samples).toBe(2); // 6 samples at batch 3
    }
    const second = runFid(out);
    expect(second.stderr.match(/resumed from/g)).toHaveLength(4);
    expect(second.result.configurations.map((c) => c.fid)).toEqual(first.result.configurations.map((c) => c.fid));
  }, 300_000);
});
