export { ConfigError } from './config-error.js';
export {
  DEFAULT_SCHEDULER_CONFIG,
  parseSchedulerConfig,
  schedulerConfigToJson,
  type BetaSchedule,
  type ParsedSchedulerConfig,
  type ParseSchedulerConfigOptions,
  type PredictionType,
  type PrevTimestepPolicy,
  type SchedulerClassName,
  type SchedulerConfig,
  type TimestepSpacing,
  type VarianceType,
} from './scheduler-config.js';
export { alphasCumprodFor, betasFor, rescaleZeroTerminalSnr } from './beta-schedule.js';
export { checkCustomTimesteps, roundHalfEven, timestepPlan } from './timestep-plan.js';
export { dynamicThresholdInPlace, quantileLinear } from './sample-clipping.js';
export type { StepOptions, StepOutput } from './step-types.js';
export { DDIMScheduler } from './ddim-scheduler.js';
export { DDPMScheduler } from './ddpm-scheduler.js';
export { type GaussianGenerator } from './gaussian-generator.js';
export { TorchGenerator, torchRandn } from './torch-generator.js';
export { PhiloxGenerator, philox4x32 } from './philox-generator.js';

import type { DDIMScheduler } from './ddim-scheduler.js';
import type { DDPMScheduler } from './ddpm-scheduler.js';
export type Scheduler = DDIMScheduler | DDPMScheduler;
