import { Mulberry32, percentileInterval } from '@denoise/metrics';
import type { Interval, WallTime } from './bench-result.js';

/** Student's t, two-sided 95 %, for 1 … 30 degrees of freedom; beyond that the normal 1.96 is within 2 %. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

function quantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Latency statistics of timed samples (ms): mean with its Student-t 95 % margin, quantiles, spread. */
export function wallTimeOf(samples: readonly number[]): WallTime {
  if (samples.length === 0) throw new RangeError('wallTimeOf: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const m = mean(samples);
  const n = samples.length;
  const sd = n > 1 ? Math.sqrt(samples.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1)) : 0;
  const moe = n > 1 ? (T_975[n - 2] ?? 1.96) * (sd / Math.sqrt(n)) : 0;
  return {
    meanMs: m,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    sdMs: sd,
    moeMs: moe,
    rmePct: n > 1 ? (100 * moe) / m : null,
    samples: n,
  };
}

export interface BootstrapSettings {
  readonly resamples: number;
  readonly seed: number;
}

/** Mean of values resampled with replacement. */
function resampledMean(values: readonly number[], rng: Mulberry32): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[Math.floor(rng.nextFloat() * values.length)]!;
  return s / values.length;
}

/**
 * mean(numerator) / mean(denominator) with a percentile-bootstrap 95 % interval, resampling each set on its own
 * (the two configurations' batches are timed in interleaved rounds, not paired). A set of one sample contributes no
 * spread: the interval then reflects the other set only.
 */
export function ratioOfMeans(numerator: readonly number[], denominator: readonly number[], bootstrap: BootstrapSettings): { ratio: number } & Interval {
  const rng = new Mulberry32(bootstrap.seed);
  const ratios = new Float64Array(bootstrap.resamples);
  for (let r = 0; r < bootstrap.resamples; r++) ratios[r] = resampledMean(numerator, rng) / resampledMean(denominator, rng);
  return { ratio: mean(numerator) / mean(denominator), ...percentileInterval(ratios) };
}

/**
 * The harness overhead, 100 · (wall − time inside the model) / wall, in %, from each batch's own timings (so host
 * drift between measurements cannot enter it), with a percentile-bootstrap 95 % interval over the batches.
 */
export function harnessOverhead(walls: readonly number[], modelMs: readonly number[], bootstrap: BootstrapSettings): { pct: number } & Interval {
  const rng = new Mulberry32(bootstrap.seed);
  const n = walls.length;
  const of = (pick: (k: number) => number) => {
    let wall = 0;
    let model = 0;
    for (let k = 0; k < n; k++) {
      const i = pick(k);
      wall += walls[i]!;
      model += modelMs[i]!;
    }
    return (100 * (wall - model)) / wall;
  };
  const samples = new Float64Array(bootstrap.resamples);
  for (let r = 0; r < bootstrap.resamples; r++) samples[r] = of(() => Math.floor(rng.nextFloat() * n));
  return { pct: of((k) => k), ...percentileInterval(samples) };
}

/**
 * Wall time over its ceiling, model calls × the mean bare session.run per call (blocks timed at the start of each
 * round): how far the whole run is from the physical limit, with a bootstrap 95 % interval over batches and blocks.
 */
export function wallOverCeiling(walls: readonly number[], modelCalls: number, barePerCall: readonly number[], bootstrap: BootstrapSettings): { ratio: number } & Interval {
  const rng = new Mulberry32(bootstrap.seed);
  const samples = new Float64Array(bootstrap.resamples);
  for (let r = 0; r < bootstrap.resamples; r++) samples[r] = resampledMean(walls, rng) / (modelCalls * resampledMean(barePerCall, rng));
  return { ratio: mean(walls) / (modelCalls * mean(barePerCall)), ...percentileInterval(samples) };
}

/** One timed batch: its wall time, the part of it inside the model, its model calls, and both by kind of call. */
export interface TimedBatch {
  readonly wallMs: number;
  readonly modelMs: number;
  readonly modelCalls: number;
  /** Absent: every call is of one kind ('float32', the plain model). */
  readonly modelMsByKind?: Readonly<Record<string, { readonly calls: number; readonly ms: number }>> | undefined;
}

/** A batch's calls and model time by kind; a batch recorded without kinds made plain float32 calls only. */
const kindsOf = (x: TimedBatch): Readonly<Record<string, { readonly calls: number; readonly ms: number }>> => x.modelMsByKind ?? { float32: { calls: x.modelCalls, ms: x.modelMs } };

/** The model time per call of each kind, pooled over `batches` (or the ones `pick` draws, for a bootstrap resample). */
export function msPerCallByKind(batches: readonly TimedBatch[], pick: (k: number) => number = (k) => k): Map<string, number> {
  const sums = new Map<string, { calls: number; ms: number }>();
  for (let k = 0; k < batches.length; k++) {
    for (const [kind, x] of Object.entries(kindsOf(batches[pick(k)]!))) {
      const sum = sums.get(kind) ?? { calls: 0, ms: 0 };
      sums.set(kind, { calls: sum.calls + x.calls, ms: sum.ms + x.ms });
    }
  }
  return new Map([...sums].map(([kind, sum]) => [kind, sum.ms / sum.calls]));
}

/**
 * How many times faster configuration B runs than A, from time-matched costs. The time of a model call is a property
 * of the network called, the input shape and the host, not of the sampler, so it is pooled per kind of call (the plain
 * model; DeepCache's full and shallow calls; float32 or int8: see callKindTimes) over every batch of the run that makes
 * such calls (all configurations, spread over the same stretch of time); kinds are never pooled together. Each
 * configuration keeps its own time outside the model (x_T, scheduler steps, noise draws). With t_k = pooled ms per call
 * of kind k, n_k(C) = calls of kind k per batch of C and o_C = C's mean wall − model time per batch:
 *   speedup = (Σ_k n_k(A) · t_k + o_A) / (Σ_k n_k(B) · t_k + o_B)
 * The interval is a percentile bootstrap that resamples all batches for the t_k and each configuration's batches for
 * o. Unlike the ratio of the two wall-time means, host drift between the moments A and B ran does not enter it.
 */
export function timeMatchedSpeedup(a: readonly TimedBatch[], b: readonly TimedBatch[], all: readonly TimedBatch[], bootstrap: BootstrapSettings): { ratio: number } & Interval {
  const rng = new Mulberry32(bootstrap.seed);
  const outside = (batches: readonly TimedBatch[], pick: (k: number) => number) => {
    let sum = 0;
    for (let k = 0; k < batches.length; k++) {
      const x = batches[pick(k)]!;
      sum += x.wallMs - x.modelMs;
    }
    return sum / batches.length;
  };
  // A resample of all batches may miss every batch of a rare kind: its time then comes from the full set.
  const fullSet = msPerCallByKind(all);
  const cost = (c: readonly TimedBatch[], t: Map<string, number>, o: number) =>
    Object.entries(kindsOf(c[0]!)).reduce((sum, [kind, x]) => sum + x.calls * (t.get(kind) ?? fullSet.get(kind)!), 0) + o;
  const draw = (n: number) => () => Math.floor(rng.nextFloat() * n);
  const samples = new Float64Array(bootstrap.resamples);
  for (let r = 0; r < bootstrap.resamples; r++) {
    const t = msPerCallByKind(all, draw(all.length));
    samples[r] = cost(a, t, outside(a, draw(a.length))) / cost(b, t, outside(b, draw(b.length)));
  }
  return { ratio: cost(a, fullSet, outside(a, (k) => k)) / cost(b, fullSet, outside(b, (k) => k)), ...percentileInterval(samples) };
}
