import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBenchResult } from '../src/bench-result.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const folder = (name: string) => fileURLToPath(new URL(`../../../fixtures/diffusers-unet/${name}`, import.meta.url));

function bench(args: readonly string[]) {
  const out = mkdtempSync(join(tmpdir(), 'denoise-bench-'));
  return spawnSync(process.execPath, [BENCH, ...args, '--json', '--threads', '1', '--iterations', '1', '--out', out], { encoding: 'utf8', timeout: 120_000 });
}

describe('pnpm bench on a diffusers UNet2DModel folder', { timeout: 130_000 }, () => {
  it('a class-conditional model with --class-label, and --reference none for models too slow for a reference', () => {
    const run = bench(['--model', folder('opt-learned-time-class-timestep'), '--class-label', '1,2', '--samplers', 'ddim-4,ddim-8', '--reference', 'none', '--batch', '2']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/built .*opt-learned-time-class-timestep: 0\.1 M parameters/);
    const result = parseBenchResult(JSON.parse(run.stdout), 'stdout');
    expect(result.settings).toMatchObject({ reference: 'none', classLabels: [1, 2], batch: 2 });
    expect(result.configurations.map((c) => [c.name, c.quality.kind])).toEqual([
      ['ddim-4', 'unmeasured'],
      ['ddim-8', 'unmeasured'],
    ]);
  });

  it('a class-conditional model without --class-label is refused before any work (exit 2), saying what to pass', () => {
    const run = bench(['--model', folder('opt-learned-time-class-timestep'), '--samplers', 'ddim-2', '--reference', 'none', '--batch', '1']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is class-conditional: give a class label \(0 … 999\)/);
  });
});
