import { dynamicThresholdInPlace } from './sample-clipping.js';
import { DiscreteScheduler, predOriginalCoefficients } from './discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';
import { checkCustomTimesteps } from './timestep-plan.js';

/**
 * Denoising Diffusion Probabilistic Models (Ho, Jain & Abbeel 2020), as diffusers' `DDPMScheduler`,
 * including its skip-aware form for fewer than N steps: α and β are taken between t and the previous
 * planned timestep, α_t = ᾱ_t / ᾱ_prev and β_t = 1 − α_t.
 *
 * Learned variance (`learned`, `learned_range`, Nichol & Dhariwal 2021): the model returns 2C channels
 * per batch item, ε (or x0, or v) first and the variance output second, so `modelOutput` has twice the
 * length of `sample` and `options.batchSize` must say how many items it holds.
 *
 * `fixed_large_log` differs from diffusers on purpose: diffusers takes the square root of log β_t and
 * returns NaN; here the log-variance is log β_t and the noise is scaled by exp(½·log β_t) = √β_t.
 */
export class DDPMScheduler extends DiscreteScheduler {
  readonly className = 'DDPMScheduler' as const;
  private custom = false;

  private constructor(config: unknown) {
    super(config, 'DDPMScheduler');
  }

  /**
   * Builds a scheduler from a diffusers `scheduler_config.json` object as is. A DDIMScheduler config is
   * accepted; its DDIM-only keys (set_alpha_to_one, eta, prev_timestep) are listed in `ignoredKeys`.
   */
  static fromConfig(config: unknown): DDPMScheduler {
    return new DDPMScheduler(config);
  }

  protected override planTimesteps(steps: number): void {
    super.planTimesteps(steps);
    this.custom = false;
  }

  /** Uses the given timesteps (integers in [0, N), strictly descending) instead of a spaced plan. */
  setCustomTimesteps(timesteps: readonly number[]): void {
    this.plan = checkCustomTimesteps(timesteps, this.config.numTrainTimesteps);
    this.inferenceSteps = this.plan.length;
    this.custom = true;
  }

  /** Whether the current plan came from `setCustomTimesteps`. */
  get customTimesteps(): boolean {
    return this.custom;
  }

  /** diffusers' `previous_timestep`: the next planned timestep (−1 after the last), or t − 1 before any plan. */
  previousTimestep(timestep: number): number {
    if (this.inferenceSteps === null) return timestep - 1;
    const index = this.planIndexOf(timestep);
    return index === this.plan.length - 1 ? -1 : (this.plan[index + 1] as number);
  }

  /** diffusers' DDPM step draws variance noise exactly when t > 0. */
  noiseDrawnAt(timestep: number, _options?: NoiseOptions): boolean {
    return timestep > 0;
  }

  /**
   * One reverse step x_t → x_prev: the posterior mean of Ho et al. eq. 7,
   *   μ = √ᾱ_prev·β_t/(1−ᾱ_t)·x0 + √α_t·(1−ᾱ_prev)/(1−ᾱ_t)·x_t,
   * plus σ_t·z for t > 0, where σ_t² is the posterior variance β̃_t = (1−ᾱ_prev)/(1−ᾱ_t)·β_t
   * (fixed_small), β_t (fixed_large), or learned.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const { config } = this;
    const learned = config.varianceType === 'learned' || config.varianceType === 'learned_range';
    const prevT = this.previousTimestep(timestep);
    const a = this.alphaCumprodAt(timestep);
    const ap = prevT >= 0 ? this.alphaCumprodAt(prevT) : 1;
    const b = 1 - a;
    const bp = 1 - ap;
    const currentAlpha = a / ap;
    const currentBeta = 1 - currentAlpha;
    const drawNoise = this.noiseDrawnAt(timestep);
    const { batchSize, out, noise } = checkStepArguments(modelOutput, sample, options, learned ? 2 : 1, drawNoise);

    const { px, pm } = predOriginalCoefficients(config.predictionType, a);
    const c0 = (Math.sqrt(ap) * currentBeta) / b;
    const cx = (Math.sqrt(currentAlpha) * bp) / b;
    // Posterior variance, clamped as diffusers does before any log.
    const posteriorVariance = Math.max((bp / b) * currentBeta, 1e-20);
    let std = 0;
    switch (config.varianceType) {
      case 'fixed_small':
        std = Math.sqrt(posteriorVariance);
        break;
      case 'fixed_small_log':
        std = Math.exp(0.5 * Math.log(posteriorVariance));
        break;
      case 'fixed_large':
        std = Math.sqrt(currentBeta);
        break;
      case 'fixed_large_log':
        // log-variance log β_t, so the noise scale is exp(½·log β_t) (diffusers: √(log β_t) = NaN).
        std = Math.exp(0.5 * Math.log(currentBeta));
        break;
      case 'learned':
      case 'learned_range':
        break;
    }
    this.checkCoefficients({ px, pm, c0, cx, std }, timestep);

    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    const hi = config.clipSample && !config.thresholding ? config.clipSampleRange : Infinity;
    const lo = -hi;
    if (!learned && !config.thresholding) {
      // The common case in one pass: x0, its clamp, and the posterior mean plus noise.
      if (noise === undefined) {
        for (let i = 0; i < n; i++) {
          const x = sample[i] as number;
          const x0 = Math.min(hi, Math.max(lo, px * x + pm * (modelOutput[i] as number))); // branch-free clamp
          pred[i] = x0;
          prev[i] = c0 * x0 + cx * x;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const x = sample[i] as number;
          const x0 = Math.min(hi, Math.max(lo, px * x + pm * (modelOutput[i] as number)));
          pred[i] = x0;
          prev[i] = c0 * x0 + cx * x + std * (noise[i] as number);
        }
      }
      return out;
    }

    const per = n / batchSize;
    // Model output of item b starts at b·per, or at b·2·per with learned variance (variance after it).
    const stride = learned ? 2 * per : per;
    for (let item = 0; item < batchSize; item++) {
      const s0 = item * per;
      const m0 = item * stride;
      for (let i = 0; i < per; i++) {
        pred[s0 + i] = Math.min(hi, Math.max(lo, px * (sample[s0 + i] as number) + pm * (modelOutput[m0 + i] as number)));
      }
    }
    if (config.thresholding) {
      dynamicThresholdInPlace(pred, batchSize, config.dynamicThresholdingRatio, config.sampleMaxValue);
    }
    if (noise === undefined) {
      for (let i = 0; i < n; i++) prev[i] = c0 * (pred[i] as number) + cx * (sample[i] as number);
    } else if (!learned) {
      for (let i = 0; i < n; i++) {
        prev[i] = c0 * (pred[i] as number) + cx * (sample[i] as number) + std * (noise[i] as number);
      }
    } else {
      const minLog = Math.log(posteriorVariance);
      const maxLog = Math.log(currentBeta);
      for (let item = 0; item < batchSize; item++) {
        const s0 = item * per;
        const v0 = item * stride + per;
        for (let i = 0; i < per; i++) {
          const v = modelOutput[v0 + i] as number;
          let sigma: number;
          if (config.varianceType === 'learned') {
            // The model's output is the variance itself.
            if (!(v >= 0)) throw new RangeError(`learned variance ${v} < 0 at timestep ${timestep}, element ${s0 + i}`);
            sigma = Math.sqrt(v);
          } else {
            // learned_range: v ∈ [−1, 1] interpolates the log-variance between β̃_t and β_t (Nichol & Dhariwal eq. 15).
            const frac = (v + 1) / 2;
            sigma = Math.exp(0.5 * (frac * maxLog + (1 - frac) * minLog));
          }
          prev[s0 + i] = c0 * (pred[s0 + i] as number) + cx * (sample[s0 + i] as number) + sigma * (noise[s0 + i] as number);
        }
      }
    }
    return out;
  }
}
