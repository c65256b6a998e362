import type { BenchResult } from './bench-result.js';
import type { BenchLog, BenchSettings } from './run-bench.js';

/** Placeholder until tools/torch-baseline lands: says so in one line and goes on. */
export async function runTorchBaseline(_settings: BenchSettings, _result: BenchResult, log: BenchLog): Promise<string> {
  log('--baseline torch: not available yet');
  return '';
}
