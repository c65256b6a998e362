import { DDIMScheduler } from './ddim-scheduler.js';
import { DDPMScheduler } from './ddpm-scheduler.js';
import { DPMSolverMultistepScheduler } from './dpm-solver-multistep-scheduler.js';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral-discrete-scheduler.js';
import { EulerDiscreteScheduler } from './euler-discrete-scheduler.js';
import { HeunDiscreteScheduler } from './heun-discrete-scheduler.js';
import { LCMScheduler } from './lcm-scheduler.js';
import { PNDMScheduler } from './pndm-scheduler.js';
import type { Scheduler } from './scheduler.js';
import type { SchedulerClassName } from './scheduler-config-registry.js';
import { UniPCMultistepScheduler } from './unipc-multistep-scheduler.js';

const FROM_CONFIG: Readonly<Record<SchedulerClassName, (config: unknown) => Scheduler>> = {
  DDPMScheduler: (c) => DDPMScheduler.fromConfig(c),
  DDIMScheduler: (c) => DDIMScheduler.fromConfig(c),
  DPMSolverMultistepScheduler: (c) => DPMSolverMultistepScheduler.fromConfig(c),
  UniPCMultistepScheduler: (c) => UniPCMultistepScheduler.fromConfig(c),
  EulerDiscreteScheduler: (c) => EulerDiscreteScheduler.fromConfig(c),
  EulerAncestralDiscreteScheduler: (c) => EulerAncestralDiscreteScheduler.fromConfig(c),
  HeunDiscreteScheduler: (c) => HeunDiscreteScheduler.fromConfig(c),
  PNDMScheduler: (c) => PNDMScheduler.fromConfig(c),
  LCMScheduler: (c) => LCMScheduler.fromConfig(c),
};

/**
 * diffusers' `Cls.from_config(config)` for any of the nine classes: the config may have been saved by
 * another class; keys `className` does not take are ignored and listed in `ignoredKeys`, and the keys it
 * takes but the config lacks get `className`'s defaults.
 */
export function schedulerFromConfig(className: SchedulerClassName, config: unknown): Scheduler {
  return FROM_CONFIG[className](config);
}
