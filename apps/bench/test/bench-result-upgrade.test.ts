// A schema-1 result (the FID sweep committed before schema 3, kept as a fixture) still loads: --compare and the report read
// it in schema 2's per-call names.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BENCH_RESULT_SCHEMA, upgradeBenchResult } from '../src/bench-result.js';
import { loadRun } from '../src/results-store.js';

const FID_RESULT = fileURLToPath(new URL('../../../fixtures/bench/schema-1-fid-result.json', import.meta.url));

describe('bench result schema 1 → 3', () => {
  it('loads the committed schema-1 FID sweep with model calls and per-call speed', async () => {
    const run = await loadRun(FID_RESULT);
    expect(run.result.schema).toBe(BENCH_RESULT_SCHEMA);
    for (const c of run.result.configurations) {
      // Schema 1 had DDPM and DDIM only, where every step is one model call.
      expect(['ddpm', 'ddim']).toContain(c.kind);
      expect(c.modelCalls).toBe(c.steps);
      expect(c.callsPerSec).toBeGreaterThan(0);
      expect(c.modelMsPerCall).toBeGreaterThan(c.loopMsPerCall);
      expect(c).not.toHaveProperty('stepsPerSec');
    }
  });

  it('marks a schema-1 or schema-2 result as seeded one generator per batch', async () => {
    expect((await loadRun(FID_RESULT)).result.settings.seeding).toBe('batch');
  });

  it('leaves a schema-3 result and anything else as it is', () => {
    const v3 = { schema: BENCH_RESULT_SCHEMA, configurations: [] };
    expect(upgradeBenchResult(v3)).toBe(v3);
    expect(upgradeBenchResult(null)).toBeNull();
  });
});
