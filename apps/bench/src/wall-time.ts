import { Bench } from 'tinybench';
import type { WallTime } from './bench-result.js';

/** Runs `fn` exactly `iterations` times under tinybench (no warm-up: the caller warmed the model) and summarises. */
export async function timeIterations(name: string, iterations: number, fn: () => Promise<void>): Promise<WallTime> {
  const bench = new Bench({ name, iterations, time: 0, warmup: false, throws: true, retainSamples: false });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (result?.state !== 'completed') throw new Error(`tinybench task '${name}' ended in state '${result?.state ?? 'missing'}'`);
  const l = result.latency;
  return {
    meanMs: l.mean,
    p50Ms: l.p50,
    p99Ms: l.p99,
    minMs: l.min,
    maxMs: l.max,
    sdMs: l.sd,
    moeMs: l.samplesCount > 1 ? l.moe : 0,
    rmePct: l.samplesCount > 1 ? l.rme : null,
    samples: l.samplesCount,
  };
}
