export { ConfigError } from './config-error.js';
export {
  CLASS_DEFAULTS,
  DEFAULT_SCHEDULER_CONFIG,
  defaultConfigOf,
  isSchedulerClassName,
  parseSchedulerConfig,
  SCHEDULER_CLASS_NAMES,
  schedulerConfigToJson,
  type ParseSchedulerConfigOptions,
  type SchedulerClassName,
} from './scheduler-config-registry.js';
export type {
  BetaSchedule,
  ParsedSchedulerConfig,
  PredictionType,
  SchedulerConfig,
  TimestepSpacing,
} from './scheduler-config.js';
export type { VarianceType } from './ddpm-config.js';
export type { PrevTimestepPolicy } from './ddim-config.js';
export type { DpmAlgorithmType } from './dpm-solver-multistep-config.js';
export type { ZeroSigmaStep } from './unipc-multistep-config.js';
export type { EqualSigmaStep, SolverType } from './multistep-config.js';
export type { FinalSigmasType } from './sigma-schedule-config.js';
export type { InterpolationType } from './euler-discrete-config.js';
export { alphasCumprodFor, betasFor, rescaleZeroTerminalSnr } from './beta-schedule.js';
export { checkCustomTimesteps, roundHalfEven, timestepPlan } from './timestep-plan.js';
export { dynamicThresholdInPlace, quantileLinear } from './sample-clipping.js';
export type { EulerChurn, NoiseOptions, StepOptions, StepOutput } from './step-types.js';
export { DDIMScheduler } from './ddim-scheduler.js';
export { DDPMScheduler } from './ddpm-scheduler.js';
export { DPMSolverMultistepScheduler } from './dpm-solver-multistep-scheduler.js';
export { UniPCMultistepScheduler } from './unipc-multistep-scheduler.js';
export { EulerDiscreteScheduler } from './euler-discrete-scheduler.js';
export { EulerAncestralDiscreteScheduler } from './euler-ancestral-discrete-scheduler.js';
export { HeunDiscreteScheduler } from './heun-discrete-scheduler.js';
export { PNDMScheduler } from './pndm-scheduler.js';
export { LCMScheduler, type BoundaryScalings } from './lcm-scheduler.js';
export type { LCMTimestepOptions } from './lcm-timestep-plan.js';
export { schedulerFromConfig } from './scheduler-registry.js';
export { type GaussianGenerator } from './gaussian-generator.js';
export { TorchGenerator, torchRandn } from './torch-generator.js';
export { PhiloxGenerator, philox4x32 } from './philox-generator.js';

export type { Scheduler } from './scheduler.js';
export { exponentialSigmas, interpAtIndex, karrasSigmas, linspace64, sigmaToT, trainingSigmas } from './sigma-schedule.js';
export { parsePythonJson } from './python-json.js';
export { NumpyRandomState } from './numpy-random-state.js';
