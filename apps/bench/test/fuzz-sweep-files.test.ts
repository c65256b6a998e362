/**
 * Fuzz suite (issues 14/15): shard folders come from other hosts, so readShardDir reads untrusted files. Seeded
 * structural mutations of a real shard.json and unit record: readShardDir either reads the folder or throws
 * SweepFileError naming the file; never another error, never a hang. Seed fixed for CI.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { expectTypedOutcomeAsync, fuzzAsync, jsonMutations, mutateJson, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { readShardDir, SweepFileError } from '../src/sweep-store.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-fuzz-sweep-'));
let shard: Json;
let unit: Json;
let unitName: string;

beforeAll(() => {
  // A real one-unit shard: ddim-2 on the embedded model, batch 1.
  const run = spawnSync(process.execPath, [BENCH, '--samplers', 'ddim-2', '--reference', 'none', '--batch', '1', '--iterations', '1', '--threads', '1', '--shard', '1/1', '--out', work], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const dir = join(work, 'shard-1-of-1');
  shard = JSON.parse(readFileSync(join(dir, 'shard.json'), 'utf8')) as Json;
  unitName = readdirSync(join(dir, 'units', 'ddim-2')).find((n) => n.endsWith('.json'))!;
  unit = JSON.parse(readFileSync(join(dir, 'units', 'ddim-2', unitName), 'utf8')) as Json;
}, 60_000);

describe('fuzz: readShardDir on mutated shard.json and unit records reads the folder or throws SweepFileError', () => {
  it('dropped, replaced, renamed and added keys, wrong types, huge numbers, deep nesting', async () => {
    let n = 0;
    await fuzzAsync(
      'readShardDir',
      fc.asyncProperty(fc.constantFrom<'shard' | 'unit'>('shard', 'unit'), jsonMutations, async (which, ms) => {
        const dir = join(work, `case-${n++}`);
        mkdirSync(join(dir, 'units', 'ddim-2'), { recursive: true });
        writeFileSync(join(dir, 'shard.json'), JSON.stringify(which === 'shard' ? mutateJson(shard, ms) : shard));
        writeFileSync(join(dir, 'units', 'ddim-2', unitName), JSON.stringify(which === 'unit' ? mutateJson(unit, ms) : unit));
        await expectTypedOutcomeAsync(() => readShardDir(dir), (error) => error instanceof SweepFileError, 2_000);
        rmSync(dir, { recursive: true, force: true });
      }),
      { seed: 0x14_0001, numRuns: 400, interruptAfterTimeLimit: 5_000 },
    );
  }, 30_000);
});

process.on('exit', () => rmSync(work, { recursive: true, force: true }));
