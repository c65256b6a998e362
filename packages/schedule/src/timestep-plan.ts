import { ConfigError } from './config-error.js';
import type { SchedulerConfig } from './scheduler-config.js';

/** numpy's `round`: halves go to the even neighbour (166.5 → 166, 937.5 → 938); Math.round does not. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Rejects a step count that is not an integer in [1, numTrainTimesteps]. */
export function checkInferenceSteps(steps: unknown, numTrainTimesteps: number): number {
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1 || steps > numTrainTimesteps) {
    throw new ConfigError('num_inference_steps', steps, `an integer in [1, num_train_timesteps = ${numTrainTimesteps}]`);
  }
  return steps;
}

/**
 * The inference timesteps, descending, as diffusers' `set_timesteps` computes them (Lin et al. 2023,
 * Table 2, for the three spacings):
 * - leading:  (i · (N // S)) + steps_offset, i = S−1 … 0
 * - trailing: round(N − i · N/S) − 1, i = 0 … S−1 (numpy.arange's values, rounded half to even)
 * - linspace: round(linspace(0, N−1, S)), reversed (steps_offset is not added, as in diffusers)
 * Throws ConfigError (key `num_inference_steps`) unless 1 ≤ steps ≤ N.
 */
export function timestepPlan(config: SchedulerConfig, steps: number): Int32Array {
  const n = config.numTrainTimesteps;
  checkInferenceSteps(steps, n);
  const out = new Int32Array(steps);
  switch (config.timestepSpacing) {
    case 'leading': {
      const ratio = Math.floor(n / steps);
      for (let i = 0; i < steps; i++) out[i] = (steps - 1 - i) * ratio + config.stepsOffset;
      break;
    }
    case 'trailing': {
      // numpy.arange(N, 0, -N/S) stores start and start+step, then fills start + i·(second − start).
      const stepSize = -n / steps;
      const delta = n + stepSize - n;
      const length = Math.ceil(-n / stepSize);
      if (length !== steps) throw new Error(`internal: trailing plan has ${length} entries for ${steps} steps`);
      for (let i = 0; i < steps; i++) out[i] = roundHalfEven(i === 0 ? n : n + i * delta) - 1;
      break;
    }
    case 'linspace': {
      const step = steps > 1 ? (n - 1) / (steps - 1) : 0;
      for (let i = 0; i < steps; i++) {
        const k = steps - 1 - i;
        out[i] = roundHalfEven(k === steps - 1 && steps > 1 ? n - 1 : k * step);
      }
      break;
    }
  }
  return out;
}

/**
 * Refuses a plan with a timestep outside [0, num_train_timesteps) (fractional σ-family timesteps included):
 * a steps_offset that pushes leading spacing past the end (steps_offset 999 with 2 steps plans 1499) would
 * otherwise fail at the first model call, or index past ᾱ. Throws ConfigError naming steps_offset when it is
 * set, else num_inference_steps.
 */
export function checkPlanInRange(timesteps: ArrayLike<number>, steps: number, config: SchedulerConfig): void {
  const n = config.numTrainTimesteps;
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i]!;
    if (t >= 0 && t < n) continue;
    const why = `planned timestep ${t} (model call ${i + 1} of ${timesteps.length}) lies outside [0, num_train_timesteps = ${n})`;
    const offset = config.stepsOffset;
    if (offset > 0) throw new ConfigError('steps_offset', offset, `a smaller offset: with ${steps} steps the ${why}`);
    throw new ConfigError('num_inference_steps', steps, `a plan inside [0, ${n}): the ${why}`);
  }
}

/**
 * Checks user-chosen timesteps (DDPM's custom timesteps): integers in [0, N), strictly descending.
 */
export function checkCustomTimesteps(timesteps: readonly number[], numTrainTimesteps: number): Int32Array {
  const allowed = `a non-empty array of integers in [0, ${numTrainTimesteps - 1}], strictly descending`;
  if (!Array.isArray(timesteps) || timesteps.length === 0) throw new ConfigError('timesteps', timesteps, allowed);
  const out = new Int32Array(timesteps.length);
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const before = i > 0 ? (timesteps[i - 1] as number) : Infinity;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= numTrainTimesteps || t >= before) {
      throw new ConfigError(`timesteps[${i}]`, t, allowed);
    }
    out[i] = t;
  }
  return out;
}

/**
 * The index of t in `timesteps` as diffusers' `index_for_timestep` picks it: the second occurrence when t
 * appears more than once (so an img2img start on a repeated timestep does not skip the schedule), else the
 * first; −1 when t is absent (the callers differ there). Entries are compared with ===.
 */
export function timestepIndexOf(timesteps: ArrayLike<number>, t: number): number {
  let first = -1;
  for (let i = 0; i < timesteps.length; i++) {
    if (timesteps[i] === t) {
      if (first >= 0) return i;
      first = i;
    }
  }
  return first;
}
