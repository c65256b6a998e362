import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/compare.js';
import { loadRun } from '../src/results-store.js';

const BASELINE = fileURLToPath(new URL('../../../benchmarks/baseline/result.json', import.meta.url));

describe('bench compare across seeding schemes', () => {
  it('does not compare quality between a one-generator-per-batch run and a per-image-seeded one, and says why', async () => {
    const old = (await loadRun(BASELINE)).result;
    const same = compareResults(old, old);
    expect(same.differences).toEqual([]);
    const next = { ...old, settings: { ...old.settings, seeding: old.settings.seeding === 'batch' ? ('per-image' as const) : ('batch' as const) } };
    const c = compareResults(old, next);
    expect(c.differences.join('\n')).toMatch(/seeding (batch|per-image) vs (per-image|batch): the runs start from different x_T, so quality is not compared/);
    for (const row of c.rows) expect(['not comparable', 'stochastic', 'reference', 'unmeasured']).toContain(row.quality);
    expect(same.rows.some((r) => r.quality === 'within noise')).toBe(true);
  });
});
