import { NotRegularFileError, readRegularFile } from '@denoise/image';
import { createScheduler, DEFAULT_STEPS, defaultSamplerFor, InputError, outputChannelsRead, planRun, type RunPlan, type SamplerKind } from '@denoise/sampler';
import { parsePythonJson, type Scheduler } from '@denoise/schedule';
import { UsageError } from './usage-error.js';
import type { SampleCommand } from './sample-command.js';

/** The scheduler a run samples with, checked against its whole plan before any model call. */
export interface SchedulerSetup {
  readonly scheduler: Scheduler;
  readonly sampler: SamplerKind;
  readonly steps: number;
  /** DDIM's η of this run (0 for every other sampler). */
  readonly eta: number;
  /** The plan, checked before any model call; sample() runs it without checking it again. */
  readonly plan: RunPlan;
}

/** Where the scheduler config comes from: the model's own, or --scheduler-config. */
export interface SchedulerSource {
  readonly modelPath: string;
  readonly schedulerConfigPath?: string;
  readonly schedulerConfig?: unknown;
  readonly schedulerConfigIsDefault?: boolean;
}

/**
 * The sampler, steps and scheduler of a run from the model's scheduler config (or --scheduler-config) and the flags,
 * refused with exit 2 naming the file or the flag when the plan cannot run: a bad steps_offset, an η that a step
 * cannot take, β values that make a step divide by zero (every step is rehearsed on a one-element sample).
 * `learnedVariance`: the model returns 2C channels (DDPM then takes the variance half). `startIndexOf` gives the model
 * call an image-to-image run starts at.
 */
export function setUpScheduler(
  command: SampleCommand,
  model: SchedulerSource,
  context: SchedulerContext,
  learnedVariance: boolean,
  startIndexOf?: (scheduler: Scheduler, steps: number) => number,
): SchedulerSetup {
  const { stderr } = context;
  const config = schedulerConfigFor(model, command, context.schedulerConfigFile);
  const sampler = command.sampler ?? defaultSamplerFor(config);
  const steps = command.steps ?? DEFAULT_STEPS[sampler];
  checkSamplerOptions(command, sampler);
  const file = command.schedulerConfig ?? model.schedulerConfigPath ?? 'the default scheduler config';
  let scheduler: Scheduler;
  try {
    scheduler = createScheduler(sampler, config, {
      ...(command.spacing ? { timestep_spacing: command.spacing } : {}),
      ...(command.prevTimestep ? { prev_timestep: command.prevTimestep } : {}),
      ...(command.originalSteps !== undefined ? { original_inference_steps: command.originalSteps } : {}),
    });
  } catch (error) {
    // Name the file the bad value came from (the flags' overrides are checked by commander already).
    throw new UsageError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  // The one check of the plan (a bad steps_offset is the scheduler's ConfigError), before any model call.
  let plan: RunPlan;
  try {
    plan = planRun(scheduler, steps, {
      ...(command.eta !== undefined ? { eta: command.eta } : {}),
      outputChannelsPerChannel: outputChannelsRead(scheduler, learnedVariance),
      ...(startIndexOf ? { startIndex: startIndexOf(scheduler, steps) } : {}),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // η from --eta is the flag's; η from the config, and a step that cannot run, are the file's.
    throw new UsageError(`${error.key === 'eta' && command.eta !== undefined ? '--eta' : file}: ${error.message}`, { cause: error });
  }
  if (command.sampler === undefined && sampler !== 'ddim') {
    stderr.write(`note: sampler ${sampler} chosen by the scheduler config's _class_name (${scheduler.className}); --sampler overrides it\n`);
  }
  if (model.schedulerConfigIsDefault && !command.schedulerConfig) {
    stderr.write(`note: no scheduler_config.json with ${model.modelPath}; using diffusers' DDPMScheduler defaults (1000 steps, linear β 1e-4 … 0.02)\n`);
  }
  if (scheduler.ignoredKeys.length > 0) {
    stderr.write(`note: scheduler config keys not used by ${scheduler.className}: ${scheduler.ignoredKeys.join(', ')}\n`);
  }
  return { scheduler, sampler, steps, eta: plan.eta, plan };
}

/** Where the run's messages go, and --scheduler-config as read before the model was loaded (readSchedulerConfigFile). */
export interface SchedulerContext {
  readonly stderr: NodeJS.WriteStream;
  readonly schedulerConfigFile?: unknown;
}

/** --scheduler-config, read and parsed before the model is loaded, so that a bad file costs no load. */
export async function readSchedulerConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readRegularFile(path)).toString('utf8');
  } catch (error) {
    if (error instanceof NotRegularFileError) throw new UsageError(`--scheduler-config ${error.message}`, { cause: error });
    throw new UsageError(`--scheduler-config ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  try {
    return parsePythonJson(text);
  } catch (error) {
    throw new UsageError(`--scheduler-config ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

function schedulerConfigFor(model: SchedulerSource, command: SampleCommand, schedulerConfigFile: unknown): unknown {
  if (command.schedulerConfig !== undefined) return schedulerConfigFile;
  if (model.schedulerConfig === undefined) {
    throw new UsageError(`no scheduler_config.json found with ${model.modelPath}; pass --scheduler-config FILE`);
  }
  return model.schedulerConfig;
}

/** Options that belong to one sampler are refused with the others, rather than ignored (before the load when --sampler is given). */
export function checkSamplerOptions(command: SampleCommand, sampler: SamplerKind): void {
  if (command.eta !== undefined && sampler !== 'ddim') {
    throw new UsageError(`--eta applies to the ddim sampler only (η of DDIM); ${sampler} takes none`);
  }
  if (command.prevTimestep !== undefined && sampler !== 'ddim' && sampler !== 'pndm') {
    throw new UsageError(`--prev-timestep applies to the ddim and pndm samplers only; ${sampler} steps along its own schedule`);
  }
  if (command.originalSteps !== undefined && sampler !== 'lcm') {
    throw new UsageError(`--original-steps applies to the lcm sampler only (LCMScheduler's original_inference_steps); ${sampler} takes none`);
  }
  if (command.spacing !== undefined && sampler === 'lcm') {
    throw new UsageError('--spacing does not apply to the lcm sampler: LCMScheduler takes its timesteps from the original_inference_steps schedule and never reads timestep_spacing');
  }
}
