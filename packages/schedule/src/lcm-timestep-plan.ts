import { ConfigError } from './config-error.js';
import type { SchedulerConfig } from './scheduler-config.js';
import { checkCustomTimesteps, checkInferenceSteps } from './timestep-plan.js';

/** LCMScheduler.setTimesteps' options besides the step count (diffusers' `set_timesteps` keyword arguments). */
export interface LCMTimestepOptions {
  /**
   * The length N of the schedule the model was distilled on; default the config's `original_inference_steps`.
   * The same as overriding that key (diffusers reads it nowhere else).
   */
  readonly originalInferenceSteps?: number;
  /** Image-to-image: the share of the original schedule kept, from its low-noise end, in (0, 1]; default 1. */
  readonly strength?: number;
}

/** A plan and diffusers' `num_inference_steps` for it (with custom timesteps and strength, the full list's length). */
export interface LCMPlan {
  readonly timesteps: Int32Array;
  readonly numInferenceSteps: number;
}

/** diffusers does not check strength; > 1 plans timesteps past the last ᾱ, ≤ 0 plans nothing. */
function checkStrength(strength: unknown): number {
  if (typeof strength !== 'number' || !Number.isFinite(strength) || strength <= 0 || strength > 1) {
    throw new ConfigError('strength', strength, 'a number in (0, 1]');
  }
  return strength;
}

/**
 * LCM's inference timesteps (Luo et al. 2023, "Latent Consistency Models", §4.3 skipping-step schedule), as
 * diffusers' `LCMScheduler.set_timesteps` computes them; `timestep_spacing` and `steps_offset` are not read:
 * - the original schedule: k = num_train_timesteps // N and t_j = j·k − 1 for j = 1 … int(N·strength);
 * - S timesteps taken from it, highest first, at the indices floor(i·L/S), i = 0 … S−1 (numpy's
 *   `linspace(0, L, S, endpoint=False)`, L its length). 4 of N = 50 give 999, 759, 499, 259.
 * Throws ConfigError for an N above num_train_timesteps, a strength outside (0, 1], or more steps than L.
 */
export function lcmTimestepPlan(config: SchedulerConfig, steps: number, options: LCMTimestepOptions = {}): LCMPlan {
  const n = config.numTrainTimesteps;
  const original = options.originalInferenceSteps ?? config.originalInferenceSteps;
  if (typeof original !== 'number' || !Number.isInteger(original) || original < 1 || original > n) {
    throw new ConfigError('original_inference_steps', original, `an integer in [1, num_train_timesteps = ${n}]`);
  }
  const strength = checkStrength(options.strength ?? 1);
  checkInferenceSteps(steps, n);
  const k = Math.floor(n / original);
  const length = Math.floor(original * strength);
  if (Math.floor(length / steps) < 1) {
    const of = strength === 1 ? `original_inference_steps = ${original}` : `int(original_inference_steps ${original} × strength ${strength})`;
    throw new ConfigError(
      'num_inference_steps',
      steps,
      `an integer in [1, ${length}]: LCM's timesteps are drawn from its original schedule of ${of} timesteps`,
    );
  }
  const step = length / steps;
  const timesteps = new Int32Array(steps);
  for (let i = 0; i < steps; i++) {
    // The original schedule reversed is (L − j)·k − 1 at index j.
    timesteps[i] = (length - Math.floor(i * step)) * k - 1;
  }
  return { timesteps, numInferenceSteps: steps };
}

/**
 * User-chosen timesteps (integers in [0, N), strictly descending; diffusers only warns when they are off the original
 * schedule). `strength` < 1 keeps the last int(len·strength) of them, the img2img rule, while `numInferenceSteps` stays
 * the full length, as in diffusers: the plan's last step is then not the one that skips the noise. Throws ConfigError
 * for a strength that keeps none (diffusers plans nothing and the loop does not run).
 */
export function lcmCustomPlan(config: SchedulerConfig, timesteps: readonly number[], strength: number = 1): LCMPlan {
  const all = checkCustomTimesteps(timesteps, config.numTrainTimesteps);
  checkStrength(strength);
  const kept = Math.min(Math.floor(all.length * strength), all.length);
  if (kept < 1) {
    throw new ConfigError('strength', strength, `a strength that keeps at least one of the ${all.length} custom timesteps (int(${all.length} × strength) ≥ 1)`);
  }
  return { timesteps: all.slice(all.length - kept), numInferenceSteps: all.length };
}
