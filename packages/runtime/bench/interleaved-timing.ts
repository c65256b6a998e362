// Shared by the runtime's benches: the median, and timing several tasks interleaved (ABBA order) so that host drift
// moves them together.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface TimedTask {
  readonly label: string;
  readonly run: () => Promise<unknown>;
  /** ms per run, filled by timeInterleaved. */
  readonly samples: number[];
}

/** One warm-up run of each task, then `runs` rounds, every other one in reverse order. */
export async function timeInterleaved(tasks: readonly TimedTask[], runs: number): Promise<void> {
  for (const task of tasks) await task.run();
  for (let i = 0; i < runs; i++) {
    for (const task of i % 2 === 0 ? tasks : [...tasks].reverse()) {
      const t0 = performance.now();
      await task.run();
      task.samples.push(performance.now() - t0);
    }
  }
}
