// What diffusers' two multistep exponential-integrator solvers share: DPM-Solver / DPM-Solver++ (Lu et al.
// 2022, arXiv:2206.00927 and 2211.01095) and UniPC (Zhao et al. 2023, arXiv:2302.04867). Both plan integer
// timesteps, read σ from the float32 training sigmas, and integrate in λ = log(α/σ) (the half log-SNR).
//
// Stable API (the multistep schedulers import it; keep these signatures):
//   multistepSchedule(config, alphasCumprod, steps, options) → { timesteps: Int32Array, sigmas: Float32Array }
//   alphaSigmaOf(σ) → { alpha, sigma }   α_t = 1/√(σ²+1), σ_t = σ·α_t
//   lambdaOf(σ)     → log α_t − log σ_t  (+∞ at σ = 0)
//   convertModelOutput(config, target, σ, modelOutput, sample, out, options) → out (x0 or ε, thresholded)
// The schedulers' shared bookkeeping (plan, step and begin index, add_noise) is the MultistepScheduler base.

import { dynamicThresholdInPlace } from './sample-clipping.js';
import type { SchedulerConfig } from './scheduler-config.js';
import {
  exponentialSigmas,
  interpAtIndex,
  karrasSigmas,
  linspace64,
  logF32,
  sigmaToT,
  trainingSigmas,
} from './sigma-schedule.js';
import { checkInferenceSteps, roundHalfEven } from './timestep-plan.js';

const f32 = Math.fround;

/** Which class's `set_timesteps` to follow where DPM-Solver and UniPC differ. */
export type MultistepFamily = 'dpm' | 'unipc';

export interface MultistepScheduleOptions {
  /**
   * - `'dpm'`: the final σ for `final_sigmas_type: 'sigma_min'` is the t = 0 training σ for every sigma
   *   kind; Karras / lu timesteps are rounded, except for squaredcos_cap_v2, where they are truncated (the
   *   int64 cast); exponential timesteps are truncated. `lambda_min_clipped` and `use_lu_lambdas` apply.
   * - `'unipc'`: with Karras or exponential sigmas, 'sigma_min' appends the last of those sigmas; Karras
   *   timesteps are always rounded; exponential ones truncated.
   */
  readonly family: MultistepFamily;
}

export interface MultistepSchedule {
  /** One integer timestep per inference step, descending (Karras on cosine can repeat entries). */
  readonly timesteps: Int32Array;
  /** σ at each timestep plus the final σ (0 or σ_min): timesteps.length + 1 float32 values. */
  readonly sigmas: Float32Array;
}

/** torch.searchsorted(sorted, value) (left side): the first index whose entry is not below `value`. */
function searchSortedLeft(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The timestep after which the schedule starts: N − searchsorted(flip(λ), lambda_min_clipped), with
 * λ_t = log √ᾱ − log √(1−ᾱ) in float32 as diffusers stores it (N when the clip is −∞).
 */
export function lastTimestepOf(config: SchedulerConfig, alphasCumprod: Float32Array): number {
  const n = alphasCumprod.length;
  const clip = config.lambdaMinClipped;
  if (clip === -Infinity) return config.numTrainTimesteps;
  const flipped = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = alphasCumprod[n - 1 - i] as number;
    flipped[i] = f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
  }
  return config.numTrainTimesteps - searchSortedLeft(flipped, clip);
}

/**
 * `_sigma_to_t` of a ladder σ, then the int64 cast (truncation) or numpy's round. At σ_max (the top of every
 * ladder, equal to the training σ_max up to float64 rounding of pow/exp) diffusers gets exactly N − 1:
 * numpy's float32 log of σ_max lies below the float64 log σ, so the interpolation weight clips to 1. The
 * correctly rounded float32 log lies above it instead, giving N − 1 − 2e-6, which would truncate to N − 2;
 * so σ within 1e-9 (relative) of σ_max maps to N − 1 here.
 */
function ladderTimestep(sigma: number, sigmaMax: number, logSigmas: Float32Array, round: boolean): number {
  if (Math.abs(sigma - sigmaMax) <= 1e-9 * sigmaMax) return logSigmas.length - 1;
  const t = sigmaToT(sigma, logSigmas);
  return round ? roundHalfEven(t) : Math.trunc(t);
}

/** The integer timesteps of the three spacings (Lin et al. 2023, Table 2) over [0, last). */
function spacedTimesteps(config: SchedulerConfig, last: number, steps: number): Int32Array {
  switch (config.timestepSpacing) {
    case 'linspace': {
      // round(linspace(0, last−1, S+1)) reversed, without the final 0.
      const grid = linspace64(0, last - 1, steps + 1);
      const out = new Int32Array(steps);
      for (let i = 0; i < steps; i++) out[i] = roundHalfEven(grid[steps - i] as number);
      return out;
    }
    case 'leading': {
      // (S … 1)·(last // (S+1)) + steps_offset.
      const ratio = Math.floor(last / (steps + 1));
      const out = new Int32Array(steps);
      for (let i = 0; i < steps; i++) out[i] = (steps - i) * ratio + config.stepsOffset;
      return out;
    }
    case 'trailing': {
      // round(arange(last, 0, −N/S)) − 1: numpy's arange fills start + i·((start + step) − start) and has
      // ceil(last / (N/S)) entries, fewer than S when λ clipping moved `last` below N.
      const stepSize = -config.numTrainTimesteps / steps;
      const delta = last + stepSize - last;
      const length = Math.ceil((0 - last) / stepSize);
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) out[i] = roundHalfEven(i === 0 ? last : last + i * delta) - 1;
      return out;
    }
  }
}

/**
 * diffusers' `set_timesteps(steps)` for DPMSolverMultistepScheduler and UniPCMultistepScheduler:
 * 1. integer timesteps by `timestep_spacing` over [0, last_timestep) (λ clip, DPM only);
 * 2. σ: np.interp of the float32 training sigmas at those timesteps, or the Karras (Karras et al. 2022,
 *    eq. 5) / exponential / uniform-λ (Lu et al., `use_lu_lambdas`) ladders over the full training σ range,
 *    whose timesteps come from `_sigma_to_t` (the spacing is then ignored);
 * 3. the final σ: 0 (`zero`) or σ_min (see MultistepScheduleOptions).
 * σ values are computed in float64 from the float32 training sigmas and rounded once to float32, as numpy
 * does; integer timesteps come out identical to diffusers'.
 */
export function multistepSchedule(
  config: SchedulerConfig,
  alphasCumprod: Float32Array,
  steps: number,
  options: MultistepScheduleOptions,
): MultistepSchedule {
  checkInferenceSteps(steps, config.numTrainTimesteps);
  const trainSigmas = trainingSigmas(alphasCumprod);
  const n = trainSigmas.length;
  const sigmaLow = trainSigmas[0] as number;
  const sigmaHigh = trainSigmas[n - 1] as number;
  const unipc = options.family === 'unipc';

  let timesteps: Int32Array;
  let ladder: Float64Array | null = null;
  let roundLadder = true;
  if (config.useKarrasSigmas) {
    ladder = karrasSigmas(config.sigmaMin ?? sigmaLow, config.sigmaMax ?? sigmaHigh, steps);
    roundLadder = unipc || config.betaSchedule !== 'squaredcos_cap_v2';
  } else if (config.useExponentialSigmas) {
    ladder = exponentialSigmas(config.sigmaMin ?? sigmaLow, config.sigmaMax ?? sigmaHigh, steps);
    roundLadder = false;
  } else if (config.useLuLambdas && !unipc) {
    // Uniform in log σ between the float32 log σ_max and log σ_min (rho = 1).
    const logSigmas = logF32(trainSigmas);
    const logMax = logSigmas[n - 1] as number;
    const logMin = logSigmas[0] as number;
    ladder = linspace64(0, 1, steps).map((r) => Math.exp(logMax + r * (logMin - logMax)));
    roundLadder = config.betaSchedule !== 'squaredcos_cap_v2';
  }

  let sigmaValues: Float64Array;
  if (ladder !== null) {
    const logSigmas = logF32(trainSigmas);
    timesteps = new Int32Array(steps);
    for (let i = 0; i < steps; i++) {
      timesteps[i] = ladderTimestep(ladder[i] as number, sigmaHigh, logSigmas, roundLadder);
    }
    sigmaValues = ladder;
  } else {
    timesteps = spacedTimesteps(config, lastTimestepOf(config, alphasCumprod), steps);
    sigmaValues = Float64Array.from(timesteps, (t) => interpAtIndex(t, trainSigmas));
  }

  let finalSigma: number;
  if (config.finalSigmasType === 'zero') finalSigma = 0;
  else if (unipc && ladder !== null) finalSigma = ladder[ladder.length - 1] as number;
  else finalSigma = sigmaLow;

  const sigmas = new Float32Array(timesteps.length + 1);
  sigmas.set(sigmaValues);
  sigmas[timesteps.length] = finalSigma;
  return { timesteps, sigmas };
}

/** α_t = 1/√(σ²+1) and σ_t = σ·α_t of the variance-preserving process whose noise-to-signal ratio is σ. */
export function alphaSigmaOf(sigma: number): { readonly alpha: number; readonly sigma: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return { alpha, sigma: sigma * alpha };
}

/** λ = log α_t − log σ_t = −log σ (the half log-SNR); +∞ at σ = 0. */
export function lambdaOf(sigma: number): number {
  const { alpha, sigma: s } = alphaSigmaOf(sigma);
  return Math.log(alpha) - Math.log(s);
}

/** What a multistep solver integrates: the data prediction x0 (DPM-Solver++, UniPC predict_x0) or the noise ε. */
export type SolverTarget = 'x0' | 'epsilon';

export interface ConvertOptions {
  /** Batch items in `sample` (dynamic thresholding is per item, learned variance splits per item). Default 1. */
  readonly batchSize?: number;
  /** When given, filled with the x0 estimate (a copy of `out` for target x0; (x − σ_t·ε)/α_t for ε). */
  readonly x0Out?: Float32Array;
}

/**
 * diffusers' `convert_model_output`: the model output at σ turned into what the solver integrates.
 * With (α, s) = alphaSigmaOf(σ):
 *   target x0:  ε → (x − s·m)/α;  sample → m;  v → α·x − s·m;  then dynamic thresholding if configured.
 *   target ε:   ε → m;  sample → (x − α·m)/s;  v → α·m + s·x;  with thresholding, x0 = (x − s·ε)/α is
 *               thresholded and ε recomputed as (x − α·x0)/s.
 * With `variance_type` learned / learned_range, `modelOutput` holds 2C channels per item (twice `sample`'s
 * length) and the first C of each item are used. Writes `out` (the length of `sample`) and returns it.
 */
export function convertModelOutput(
  config: SchedulerConfig,
  target: SolverTarget,
  sigmaValue: number,
  modelOutput: Float32Array,
  sample: Float32Array,
  out: Float32Array,
  options: ConvertOptions = {},
): Float32Array {
  const n = sample.length;
  const batchSize = options.batchSize ?? 1;
  const learned = config.varianceType === 'learned' || config.varianceType === 'learned_range';
  const factor = learned ? 2 : 1;
  if (modelOutput.length !== n * factor) {
    throw new RangeError(`modelOutput has ${modelOutput.length} elements; expected ${n * factor} (${factor} × sample)`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || n % batchSize !== 0) {
    throw new RangeError(`batchSize must be a positive integer dividing sample.length (${n}), got ${batchSize}`);
  }
  let model = modelOutput;
  if (learned) {
    // The first half of each item's channels is the mean prediction; the rest is the variance.
    const per = n / batchSize;
    model = new Float32Array(n);
    for (let b = 0; b < batchSize; b++) model.set(modelOutput.subarray(2 * b * per, (2 * b + 1) * per), b * per);
  }
  const { alpha, sigma } = alphaSigmaOf(sigmaValue);
  // out = px·x + pm·m.
  let px: number;
  let pm: number;
  if (target === 'x0') {
    switch (config.predictionType) {
      case 'epsilon':
        px = 1 / alpha;
        pm = -sigma / alpha;
        break;
      case 'sample':
        px = 0;
        pm = 1;
        break;
      case 'v_prediction':
        px = alpha;
        pm = -sigma;
        break;
    }
  } else {
    switch (config.predictionType) {
      case 'epsilon':
        px = 0;
        pm = 1;
        break;
      case 'sample':
        px = 1 / sigma;
        pm = -alpha / sigma;
        break;
      case 'v_prediction':
        px = sigma;
        pm = alpha;
        break;
    }
  }
  if (px === 0 && pm === 1) out.set(model);
  else for (let i = 0; i < n; i++) out[i] = px * (sample[i] as number) + pm * (model[i] as number);

  const x0Out = options.x0Out;
  if (target === 'x0') {
    if (config.thresholding) dynamicThresholdInPlace(out, batchSize, config.dynamicThresholdingRatio, config.sampleMaxValue);
    if (x0Out !== undefined) x0Out.set(out);
    return out;
  }
  // ε target: x0 = (x − s·ε)/α, thresholded, then ε = (x − α·x0)/s.
  const x0 = x0Out ?? (config.thresholding ? new Float32Array(n) : undefined);
  if (x0 !== undefined) {
    const ax = 1 / alpha;
    const ae = -sigma / alpha;
    for (let i = 0; i < n; i++) x0[i] = ax * (sample[i] as number) + ae * (out[i] as number);
  }
  if (config.thresholding && x0 !== undefined) {
    dynamicThresholdInPlace(x0, batchSize, config.dynamicThresholdingRatio, config.sampleMaxValue);
    const ex = 1 / sigma;
    const e0 = -alpha / sigma;
    for (let i = 0; i < n; i++) out[i] = ex * (sample[i] as number) + e0 * (x0[i] as number);
  }
  return out;
}
