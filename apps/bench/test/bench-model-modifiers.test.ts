/**
 * Configurations with model-side modifiers (+deepcacheN, +int8) in a sweep: each variant runs, every unit records its
 * model time by kind of call, and the merged result times them against the plain model without a bare ceiling.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBenchResult } from '../src/bench-result.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));

describe('pnpm bench with +deepcacheN and +int8 configurations', () => {
  it('runs each variant, records calls by kind and reports time-matched speeds', () => {
    const work = mkdtempSync(join(tmpdir(), 'denoise-modifiers-'));
    const env = { ...process.env, DENOISE_CACHE: join(work, 'cache') };
    const samplers = 'ddim-6,ddim-6+deepcache3,ddim-6+int8,ddim-6+deepcache2b1+int8';
    const common = ['--threads', '1', '--batch', '2', '--iterations', '2', '--samplers', samplers, '--reference', 'ddim-6'];
    const shard = spawnSync(process.execPath, [BENCH, ...common, '--shard', '1/1', '--out', join(work, 'shards')], { encoding: 'utf8', env, timeout: 120_000 });
    expect(shard.status, shard.stderr).toBe(0);
    const units = join(work, 'shards', 'shard-1-of-1', 'units');
    const kindsOf = (config: string) => JSON.parse(readFileSync(join(units, config, 'b000000.json'), 'utf8')).modelMsByKind as Record<string, { calls: number }>;
    const calls = (config: string) => Object.fromEntries(Object.entries(kindsOf(config)).map(([kind, x]) => [kind, x.calls]));
    expect(calls('ddim-6')).toEqual({ float32: 6 });
    expect(calls('ddim-6+deepcache3')).toEqual({ 'float32 deepcache-b0 full': 2, 'float32 deepcache-b0 shallow': 4 });
    expect(calls('ddim-6+int8')).toEqual({ int8: 6 });
    expect(calls('ddim-6+deepcache2b1+int8')).toEqual({ 'int8 deepcache-b1 full': 3, 'int8 deepcache-b1 shallow': 3 });

    const merge = spawnSync(process.execPath, [BENCH, 'merge', join(work, 'shards'), '--out', join(work, 'merged'), '--json'], { encoding: 'utf8', env, timeout: 120_000 });
    expect(merge.status, merge.stderr).toBe(0);
    const result = parseBenchResult(JSON.parse(merge.stdout), 'stdout');
    const byName = new Map(result.configurations.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(samplers.split(','));
    expect(byName.get('ddim-6')!.vsBare).not.toBeNull();
    for (const name of ['ddim-6+deepcache3', 'ddim-6+int8', 'ddim-6+deepcache2b1+int8']) {
      const c = byName.get(name)!;
      expect(c.vsBare, name).toBeNull();
      expect(c.speedup?.ratio, name).toBeGreaterThan(0);
      // Same x_T, a changed network: close to the reference's images, not equal to them.
      expect(c.quality.kind, name).toBe('measured');
    }
  }, 150_000);
});
