import { schedulerFromConfig, type Scheduler, type SchedulerClassName } from '@denoise/schedule';

/**
 * Runs every step of the plan once, on a fresh copy of the scheduler, with a one-element zero sample and model
 * output: whatever a step refuses (a coefficient that is not finite because ᾱ reaches 0 or stays 1, an η too large
 * at some step, a degenerate multistep update) is refused now, before the first model call, rather than after
 * minutes of sampling. The scheduler passed in is left as it is. Throws the step's RangeError, prefixed with the
 * step and timestep.
 */
export function rehearseSchedule(
  scheduler: Scheduler,
  steps: number,
  options: { readonly eta?: number; readonly outputChannelsPerChannel: 1 | 2; readonly startIndex?: number },
): void {
  const copy = schedulerFromConfig(scheduler.className as SchedulerClassName, scheduler.toConfig());
  copy.setTimesteps(steps);
  const startIndex = options.startIndex ?? 0;
  if (startIndex > 0) copy.setBeginIndex?.(startIndex);
  const sample = new Float32Array(1);
  const modelOutput = new Float32Array(options.outputChannelsPerChannel);
  const prevSample = new Float32Array(1);
  const predOriginalSample = new Float32Array(1);
  const noise = new Float32Array(1);
  const noiseOptions = options.eta !== undefined ? { eta: options.eta } : {};
  const timesteps = copy.timesteps;
  for (let i = startIndex; i < timesteps.length; i++) {
    const t = timesteps[i]!;
    try {
      const input = copy.scaleModelInput(sample, t);
      if (input !== sample) sample.set(input);
      copy.step(modelOutput, t, sample, {
        ...noiseOptions,
        batchSize: 1,
        ...(copy.noiseDrawnAt(t, noiseOptions) ? { noise } : {}),
        out: { prevSample, predOriginalSample },
      });
    } catch (error) {
      if (error instanceof RangeError) throw new RangeError(`model call ${i + 1} of ${timesteps.length} (timestep ${t}) cannot run: ${error.message}`, { cause: error });
      throw error;
    }
    sample.set(prevSample);
  }
}
