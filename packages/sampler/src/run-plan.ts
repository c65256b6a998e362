import { DDIMScheduler, schedulerFromConfig, type Scheduler, type SchedulerClassName } from '@denoise/schedule';
import { InputError } from './input-error.js';

/**
 * A run's plan, checked once: the timesteps of `steps` inference steps from `startIndex`, DDIM's η, and for every model
 * call whether the step's result depends on the noise it is given (`noiseEnters`). planRun makes it; sample() takes it
 * (or makes it), so a caller that checks a run before loading a model does not check it again.
 */
export interface RunPlan {
  readonly scheduler: Scheduler;
  readonly steps: number;
  /** DDIM's η (the config's unless given); 0 for every other scheduler. */
  readonly eta: number;
  /** The model call the run starts at (image-to-image starts part-way). */
  readonly startIndex: number;
  /** The timestep of every model call from `startIndex`. */
  readonly timesteps: readonly number[];
  /**
   * Per model call from `startIndex`: whether the step's output changes with its noise. A scheduler may draw noise
   * that a step then multiplies by 0 (Euler ancestral's last step, where σ_up = 0): that step is not stochastic.
   */
  readonly noiseEnters: readonly boolean[];
  /** Some step's output depends on its noise: the run's images are not a function of x_T alone. */
  readonly stochastic: boolean;
  /** Model output channels per sample channel: 2 for a learned-variance model that DDPM reads whole. */
  readonly outputChannelsPerChannel: 1 | 2;
}

export interface RunPlanOptions {
  /** DDIM's η; defaults to the scheduler config's. Any other scheduler takes none. */
  readonly eta?: number;
  readonly outputChannelsPerChannel: 1 | 2;
  readonly startIndex?: number;
}

/**
 * The one gate before sampling. Plans the timesteps (a plan outside [0, N), from a bad steps_offset, is the scheduler's
 * ConfigError), checks η (InputError 'eta'), then rehearses every step of the plan on a fresh copy of the scheduler
 * with a two-item batch that differs only in its noise (0 and 1): whatever a step refuses (a coefficient that is not
 * finite because ᾱ reaches 0 or stays 1, a degenerate multistep update) is an InputError 'schedule' now, before the
 * first model call, rather than after minutes of sampling; and the items' results say where noise enters. The
 * scheduler is left planned and unstepped.
 */
export function planRun(scheduler: Scheduler, steps: number, options: RunPlanOptions): RunPlan {
  scheduler.setTimesteps(steps);
  const eta = runEta(scheduler, steps, options.eta);
  const calls = scheduler.timesteps.length;
  const startIndex = options.startIndex ?? 0;
  if (!Number.isInteger(startIndex) || startIndex < 0 || startIndex >= calls) {
    throw new InputError('startIndex', startIndex, `an integer in [0, ${calls - 1}]`, `start index ${startIndex} must be an integer in [0, ${calls - 1}]: the plan has ${calls} model calls`);
  }
  if (startIndex > 0) scheduler.setBeginIndex?.(startIndex);
  const noiseEnters = rehearse(scheduler, steps, eta, options.outputChannelsPerChannel, startIndex);
  return {
    scheduler,
    steps,
    eta,
    startIndex,
    timesteps: Array.from(scheduler.timesteps).slice(startIndex),
    noiseEnters,
    stochastic: noiseEnters.includes(true),
    outputChannelsPerChannel: options.outputChannelsPerChannel,
  };
}

/** η of the run: DDIM's (given, else its config's), checked against every step of the plan; 0 for the others. */
function runEta(scheduler: Scheduler, steps: number, given: number | undefined): number {
  const isDdim = scheduler instanceof DDIMScheduler;
  const eta = given ?? (isDdim ? scheduler.config.eta : 0);
  if (!Number.isFinite(eta) || eta < 0) throw new InputError('eta', eta, 'a finite number ≥ 0', `eta must be a finite number ≥ 0, got ${eta}`);
  if (!isDdim) {
    if (eta !== 0) throw new InputError('eta', eta, 'none (DDIM only)', `eta applies to DDIM only; ${scheduler.className} takes none (got ${eta})`);
    return 0;
  }
  try {
    scheduler.validateEta(steps, eta);
  } catch (error) {
    if (error instanceof RangeError) throw new InputError('eta', eta, 'an η every step of the plan can take', error.message, { cause: error });
    throw error;
  }
  return eta;
}

/** Steps a copy through the plan on two one-element items, noise 0 and 1; returns where their results part. */
function rehearse(scheduler: Scheduler, steps: number, eta: number, outputChannelsPerChannel: 1 | 2, startIndex: number): boolean[] {
  const copy = schedulerFromConfig(scheduler.className as SchedulerClassName, scheduler.toConfig());
  copy.setTimesteps(steps);
  if (startIndex > 0) copy.setBeginIndex?.(startIndex);
  const sample = new Float32Array(2);
  const modelOutput = new Float32Array(2 * outputChannelsPerChannel);
  const prevSample = new Float32Array(2);
  const predOriginalSample = new Float32Array(2);
  const noise = Float32Array.of(0, 1);
  const noiseOptions = { eta }; // 0 but for DDIM
  const timesteps = copy.timesteps;
  const enters: boolean[] = [];
  for (let i = startIndex; i < timesteps.length; i++) {
    const t = timesteps[i]!;
    try {
      const input = copy.scaleModelInput(sample, t);
      if (input !== sample) sample.set(input);
      const drawn = copy.noiseDrawnAt(t, noiseOptions);
      copy.step(modelOutput, t, sample, { ...noiseOptions, batchSize: 2, ...(drawn ? { noise } : {}), out: { prevSample, predOriginalSample } });
      enters.push(drawn && prevSample[0] !== prevSample[1]);
    } catch (error) {
      if (error instanceof RangeError) {
        throw new InputError('schedule', t, 'a plan whose every step can run', `model call ${i + 1} of ${timesteps.length} (timestep ${t}) cannot run: ${error.message}`, { cause: error });
      }
      throw error;
    }
    sample.fill(prevSample[0]!); // the noise-free item goes on for both
  }
  return enters;
}

/**
 * Model output channels per sample channel that a scheduler reads from a model: 2 for DDPM on a learned-variance model
 * (it takes the variance half), else 1 (the other schedulers get the ε half, as diffusers' pipelines split it).
 */
export function outputChannelsRead(scheduler: Scheduler, learnedVariance: boolean): 1 | 2 {
  return learnedVariance && scheduler.className === 'DDPMScheduler' ? 2 : 1;
}
