import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShard, planUnits, shardOf, sweepIdOf, firstDifference, type SweepPlan } from '../src/sweep-plan.js';
import { readShardDir } from '../src/sweep-store.js';
import { harnessOverhead, ratioOfMeans, timeMatchedSpeedup, wallOverCeiling, wallTimeOf } from '../src/timing-stats.js';

const plan = (configurations: { name: string; batches: number; images?: number }[], extra: Partial<SweepPlan> = {}): SweepPlan => ({
  schema: 'denoise-sweep/3',
  model: '/somewhere/model',
  modelSha256: 'a'.repeat(64),
  executionProvider: 'cpu',
  threads: null,
  batch: 4,
  seed: 0,
  generator: 'torch',
  iterations: 'auto',
  quick: false,
  configurations: configurations.map((c) => ({ name: c.name, batches: c.batches, images: c.images ?? c.batches * 4, spacing: 'leading', stochastic: false, fid: false })),
  reference: 'none',
  code: { denoise: '0.1.0', gitCommit: 'c0ffee', gitDirty: false },
  ...extra,
});

describe('planUnits', () => {
  it("spreads every configuration's batches evenly over the rounds, in plan order within a round", () => {
    const units = planUnits(plan([{ name: 'ddpm-1000', batches: 3 }, { name: 'ddim-10', batches: 12 }]));
    expect(units).toHaveLength(15);
    // R = 12 rounds; ddpm-1000's batches land in rounds ⌊(b + ½)·12/3⌋ = 2, 6, 10: beginning, middle, end of the run.
    expect(units.filter((u) => u.config === 'ddpm-1000').map((u) => u.round)).toEqual([2, 6, 10]);
    expect(units.filter((u) => u.config === 'ddim-10').map((u) => u.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const rounds = units.map((u) => u.round);
    expect(rounds).toEqual([...rounds].sort((a, b) => a - b));
    expect(units.findIndex((u) => u.config === 'ddpm-1000')).toBe(2); // round 2: ddpm-1000 before ddim-10 (plan order)
  });

  it('makes the last batch short when the image count is not a multiple of the batch', () => {
    const units = planUnits(plan([{ name: 'ddim-10', batches: 3, images: 10 }]));
    expect(units.map((u) => [u.first, u.count])).toEqual([[0, 4], [4, 4], [8, 2]]);
  });
});

describe('shardOf', () => {
  it('deals every configuration across all shards, each shard getting a near-equal share of each', () => {
    const units = planUnits(plan([{ name: 'ddim-10', batches: 40 }, { name: 'ddim-20', batches: 40 }, { name: 'ddpm-1000', batches: 40 }]));
    for (const config of ['ddim-10', 'ddim-20', 'ddpm-1000']) {
      const perShard = [1, 2, 3].map((k) => units.filter((u) => u.config === config && shardOf(u, 3) === k).length);
      expect(Math.max(...perShard) - Math.min(...perShard)).toBeLessThanOrEqual(1);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(40);
    }
    expect(units.every((u) => shardOf(u, 1) === 1)).toBe(true);
  });
});

describe('parseShard', () => {
  it('takes K/N with 1 ≤ K ≤ N and refuses anything else, saying what is allowed', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '-1/3', '1.5/3', '3', 'a/b', '']) expect(() => parseShard(bad)).toThrow(/expected K\/N with 1 ≤ K ≤ N/);
  });
});

describe('sweep identity', () => {
  it('ignores paths (they differ between hosts) but not settings, and names the first difference', () => {
    const a = plan([{ name: 'ddim-10', batches: 2 }]);
    expect(sweepIdOf({ ...a, model: '/elsewhere/model' })).toBe(sweepIdOf(a));
    expect(sweepIdOf({ ...a, seed: 1 })).not.toBe(sweepIdOf(a));
    expect(firstDifference(a, { ...a, seed: 1 })).toEqual({ key: 'seed', a: '0', b: '1' });
    expect(firstDifference(a, { ...a, code: { ...a.code, gitCommit: 'beef' } })).toEqual({ key: 'code.gitCommit', a: '"c0ffee"', b: '"beef"' });
    expect(firstDifference(a, a)).toBeUndefined();
  });
});

describe('timing statistics', () => {
  const bootstrap = { resamples: 400, seed: 3 };
  it('wallTimeOf: mean, Student-t margin, quantiles', () => {
    const w = wallTimeOf([10, 12, 14]);
    expect(w.meanMs).toBe(12);
    expect(w.sdMs).toBe(2);
    expect(w.moeMs).toBeCloseTo(4.303 * (2 / Math.sqrt(3)), 10);
    expect(w.p50Ms).toBe(12);
    expect(wallTimeOf([5]).rmePct).toBeNull();
  });

  it('ratioOfMeans: the ratio of the means, inside its bootstrap interval; exact when neither set varies', () => {
    const r = ratioOfMeans([100, 110, 90], [5, 5.5, 4.5], bootstrap);
    expect(r.ratio).toBeCloseTo(20, 12);
    expect(r.low).toBeLessThanOrEqual(r.ratio);
    expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    expect(r.high - r.low).toBeGreaterThan(0);
    expect(ratioOfMeans([60, 60], [3, 3], bootstrap)).toEqual({ ratio: 20, low: 20, high: 20 });
  });

  it('harnessOverhead: the share of wall time outside the model, from the batches themselves', () => {
    const o = harnessOverhead([100, 200], [99, 196], bootstrap);
    expect(o.pct).toBeCloseTo((100 * 5) / 300, 12);
    expect(o.low).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(o.high).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('wallOverCeiling: wall over calls × bare', () => {
    expect(wallOverCeiling([110, 110], 10, [10, 10], bootstrap)).toEqual({ ratio: 1.1, low: 1.1, high: 1.1 });
  });

  it('timeMatchedSpeedup: host drift between the moments two configurations ran does not enter the ratio', () => {
    // The host was twice as slow while the 100-call configuration ran (2 ms per call) as during the 10-call one's
    // batches (1 ms); each spends 1 ms per batch outside the model.
    const slow = Array.from({ length: 3 }, () => ({ wallMs: 201, modelMs: 200, modelCalls: 100 }));
    const fast = Array.from({ length: 30 }, () => ({ wallMs: 11, modelMs: 10, modelCalls: 10 }));
    const raw = ratioOfMeans(slow.map((b) => b.wallMs), fast.map((b) => b.wallMs), bootstrap);
    const matched = timeMatchedSpeedup(slow, fast, [...slow, ...fast], bootstrap);
    expect(raw.ratio).toBeCloseTo(201 / 11, 10); // 18.3×: the drift doubles the apparent gap
    // pooled 1.5 ms per call: (100 · 1.5 + 1) / (10 · 1.5 + 1) = 151 / 16
    expect(matched.ratio).toBeCloseTo(151 / 16, 10);
    expect(matched.low).toBeLessThanOrEqual(matched.ratio);
    expect(matched.high).toBeGreaterThanOrEqual(matched.ratio);
  });

  it('timeMatchedSpeedup pools each kind of call on its own (plain, DeepCache full and shallow), never across kinds', () => {
    // Plain calls cost 10 ms; a DeepCache configuration makes 4 full calls (11 ms) and 6 shallow ones (2 ms) per batch.
    const plain = Array.from({ length: 4 }, () => ({ wallMs: 101, modelMs: 100, modelCalls: 10 }));
    const byKind = { 'float32 deepcache-b0 full': { calls: 4, ms: 44 }, 'float32 deepcache-b0 shallow': { calls: 6, ms: 12 } };
    const cached = Array.from({ length: 4 }, () => ({ wallMs: 57, modelMs: 56, modelCalls: 10, modelMsByKind: byKind }));
    const matched = timeMatchedSpeedup(plain, cached, [...plain, ...cached], bootstrap);
    // (10 · 10 + 1) / (4 · 11 + 6 · 2 + 1); pooling every call together would give 1 (same call count).
    expect(matched.ratio).toBeCloseTo(101 / 57, 10);
    expect(matched.low).toBeCloseTo(101 / 57, 10);
  });
});

describe('a shard of an older sweep format', () => {
  it('is refused saying so and what to do, not as a schema mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'denoise-old-shard-'));
    const old = { ...plan([{ name: 'ddim-10', batches: 1 }]), schema: 'denoise-sweep/2' };
    writeFileSync(join(dir, 'shard.json'), JSON.stringify({ schema: 'denoise-shard/1', sweepId: '0123456789abcdef', shard: { index: 1, count: 1 }, plan: old }));
    await expect(readShardDir(dir)).rejects.toThrow(
      `${join(dir, 'shard.json')}: a shard of sweep format denoise-sweep/2, written by another version of denoise (this one writes denoise-sweep/3); run the shard again with this version into a new --out folder`,
    );
  });
});
