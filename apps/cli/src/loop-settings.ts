import { imageSeeds, type SampleOptions } from '@denoise/sampler';
import type { OutputStaging } from './output-files.js';
import type { Progress } from './progress.js';
import type { SampleCommand } from './sample-command.js';
import { traceWriter } from './trace-writer.js';

/**
 * What the flags decide of the sampling loop, the same for every kind of model: η, the seeds (one generator, or one per
 * image with --per-image-seeds), the generator, progress, the trace, and the signal that stops it.
 */
export function loopSettings(
  command: SampleCommand,
  run: { readonly batch: number; readonly progress: Progress; readonly staging: OutputStaging; readonly signal: AbortSignal },
): Pick<SampleOptions, 'eta' | 'seed' | 'imageSeeds' | 'generator' | 'signal' | 'onStep' | 'trace'> {
  return {
    ...(command.eta !== undefined ? { eta: command.eta } : {}),
    ...(command.perImageSeeds ? { imageSeeds: imageSeeds(command.seed, command.firstImage ?? 0, run.batch) } : { seed: command.seed }),
    generator: command.generator,
    signal: run.signal,
    onStep: (event) => run.progress.update(event),
    ...(command.trace ? { trace: traceWriter(command.trace, run.staging) } : {}),
  };
}
