import { createScheduler, InputError, outputChannelsRead, planRun, type RunPlan } from '@denoise/sampler';
import { ConfigError } from '@denoise/schedule';
import type { BenchModel } from './bench-model.js';
import { parseSamplerSpec, samplerSpecOverrides } from './sampler-spec.js';

/** Plans already made, per model and configuration: each configuration is planned and checked once per process. */
const plansOf = new WeakMap<Pick<BenchModel, 'schedulerConfig'>, Map<string, RunPlan>>();

/**
 * A configuration's scheduler (the model's scheduler config with the configuration's overrides) and its checked plan
 * (planRun: steps, η, every step rehearsed, where noise enters). The same object serves every batch of the
 * configuration; the loop resets the scheduler to it. Throws the scheduler's ConfigError or the plan's InputError.
 */
export function configurationPlan(model: Pick<BenchModel, 'schedulerConfig' | 'learnedVariance'>, name: string): RunPlan {
  let plans = plansOf.get(model);
  if (!plans) plansOf.set(model, (plans = new Map()));
  const known = plans.get(name);
  if (known) return known;
  const spec = parseSamplerSpec(name);
  const scheduler = createScheduler(spec.kind, model.schedulerConfig, samplerSpecOverrides(spec));
  const plan = planRun(scheduler, spec.steps, { eta: spec.eta, outputChannelsPerChannel: outputChannelsRead(scheduler, model.learnedVariance) });
  plans.set(name, plan);
  return plan;
}

/** Whether planning a configuration failed because of the user's input (a flag or the model's scheduler config). */
export function isPlanRefusal(error: unknown): error is Error {
  return error instanceof InputError || error instanceof ConfigError;
}
