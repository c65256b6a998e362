import { dynamicThresholdInPlace } from './sample-clipping.js';
import { checkEta, DiscreteScheduler, predOriginalCoefficients } from './discrete-scheduler.js';
import { checkStepArguments } from './step-arguments.js';
import type { NoiseOptions, StepOptions, StepOutput } from './step-types.js';

/**
 * Denoising Diffusion Implicit Models (Song, Meng & Ermon 2020), step for step as diffusers'
 * `DDIMScheduler`: non-Markovian, deterministic at η = 0, over a sub-sequence of the training timesteps.
 */
export class DDIMScheduler extends DiscreteScheduler {
  readonly className = 'DDIMScheduler' as const;
  /** ᾱ used once the previous timestep falls below 0: 1 with set_alpha_to_one, else ᾱ_0. */
  readonly finalAlphaCumprod: number;

  private constructor(config: unknown) {
    super(config, 'DDIMScheduler');
    this.finalAlphaCumprod = this.config.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
  }

  /**
   * Builds a scheduler from a diffusers `scheduler_config.json` object as is. A DDPMScheduler config is
   * accepted; its DDPM-only keys (variance_type) are listed in `ignoredKeys`.
   */
  static fromConfig(config: unknown): DDIMScheduler {
    return new DDIMScheduler(config);
  }

  /**
   * The timestep a step from t lands on, by the config's `prev_timestep` policy:
   * 'diffusers': t − N // S (needs setTimesteps); 'schedule': the next planned timestep, or −1 after the last.
   * −1 and below mean "after the end", where ᾱ_prev = finalAlphaCumprod.
   */
  previousTimestep(timestep: number): number {
    if (this.config.prevTimestep === 'schedule') {
      const index = this.planIndexOf(timestep);
      return index === this.plan.length - 1 ? -1 : (this.plan[index + 1] as number);
    }
    if (this.inferenceSteps === null) {
      throw new Error('DDIMScheduler.step needs setTimesteps(steps) first (the step size is N // steps)');
    }
    return timestep - Math.floor(this.config.numTrainTimesteps / this.inferenceSteps);
  }

  /**
   * Checks η against the whole plan of `steps` inference steps before any model call: at every step the
   * direction term needs 1 − ᾱ_prev − σ_t² ≥ 0 with σ_t = η·√((1−ᾱ_prev)/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_prev)).
   * Plans the timesteps (as setTimesteps) and throws a RangeError naming the first step where η is too
   * large and the largest η the plan allows.
   */
  validateEta(steps: number, eta: number): void {
    checkEta(eta);
    this.setTimesteps(steps);
    if (eta === 0) return;
    let largest = Infinity;
    let first: { index: number; timestep: number; dirSquared: number } | undefined;
    for (let index = 0; index < this.plan.length; index++) {
      const timestep = this.plan[index] as number;
      const prevT = this.previousTimestep(timestep);
      const a = this.alphaCumprodAt(timestep);
      const ap = prevT >= 0 ? this.alphaCumprodAt(prevT) : this.finalAlphaCumprod;
      const variance = ((1 - ap) / (1 - a)) * (1 - a / ap);
      if (variance > 0) largest = Math.min(largest, Math.sqrt((1 - ap) / variance));
      const std = eta * Math.sqrt(variance);
      const dirSquared = 1 - ap - std * std;
      if (dirSquared < -1e-12 && first === undefined) first = { index, timestep, dirSquared };
    }
    if (first !== undefined) {
      throw new RangeError(
        `eta ${eta} is too large for this ${this.plan.length}-step plan: at step ${first.index + 1} (timestep ${first.timestep}) ` +
          `1 − ᾱ_prev − σ² = ${first.dirSquared} < 0; the largest η this plan allows is ${Math.floor(largest * 1e6) / 1e6}`,
      );
    }
  }

  /** diffusers' DDIM pipeline draws variance noise exactly when η > 0. */
  noiseDrawnAt(_timestep: number, options: NoiseOptions = {}): boolean {
    return checkEta(options.eta ?? this.config.eta) > 0;
  }

  /**
   * One reverse step x_t → x_prev (Song et al. eq. 12):
   *   x0 = (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t                      ("predicted x0", clipped or thresholded)
   *   σ_t = η·√((1−ᾱ_prev)/(1−ᾱ_t) · (1 − ᾱ_t/ᾱ_prev))    (eq. 16)
   *   x_prev = √ᾱ_prev·x0 + √(1−ᾱ_prev−σ_t²)·ε + σ_t·z
   * Every term is linear in (x0, x_t, model_output, z), so the coefficients are computed once per step
   * in float64 and the loop is a few multiply-adds per element.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions = {}): StepOutput {
    const eta = checkEta(options.eta ?? this.config.eta);
    const { config } = this;
    const prevT = this.previousTimestep(timestep);
    const a = this.alphaCumprodAt(timestep);
    const ap = prevT >= 0 ? this.alphaCumprodAt(prevT) : this.finalAlphaCumprod;
    const b = 1 - a;
    const bp = 1 - ap;
    const { batchSize, out, noise } = checkStepArguments(modelOutput, sample, options, 1, eta > 0);

    const { px, pm } = predOriginalCoefficients(config.predictionType, a);
    // ε = ex·x_t + em·model_output + e0·x0 (e0 ≠ 0 only with use_clipped_model_output).
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(b);
    let ex: number;
    let em: number;
    let e0 = 0;
    if (options.useClippedModelOutput === true) {
      ex = 1 / sb;
      em = 0;
      e0 = -sa / sb;
    } else if (config.predictionType === 'epsilon') {
      ex = 0;
      em = 1;
    } else if (config.predictionType === 'sample') {
      ex = 1 / sb;
      em = -sa / sb;
    } else {
      ex = sb;
      em = sa;
    }
    const variance = (bp / b) * (1 - a / ap);
    const std = eta * Math.sqrt(variance);
    let dirSquared = 1 - ap - std * std;
    if (dirSquared < 0) {
      if (dirSquared < -1e-12) {
        throw new RangeError(`eta ${eta} is too large at timestep ${timestep}: 1 − ᾱ_prev − σ² = ${dirSquared} < 0`);
      }
      dirSquared = 0;
    }
    const dir = Math.sqrt(dirSquared);
    const k0 = Math.sqrt(ap) + dir * e0;
    const kx = dir * ex;
    const km = dir * em;
    const kn = eta > 0 ? std : 0;
    this.checkCoefficients({ px, pm, k0, kx, km, kn }, timestep);

    const pred = out.predOriginalSample;
    const prev = out.prevSample;
    const n = sample.length;
    if (config.thresholding) {
      for (let i = 0; i < n; i++) pred[i] = px * (sample[i] as number) + pm * (modelOutput[i] as number);
      dynamicThresholdInPlace(pred, batchSize, config.dynamicThresholdingRatio, config.sampleMaxValue);
      if (noise === undefined) {
        for (let i = 0; i < n; i++) {
          prev[i] = k0 * (pred[i] as number) + kx * (sample[i] as number) + km * (modelOutput[i] as number);
        }
      } else {
        for (let i = 0; i < n; i++) {
          prev[i] =
            k0 * (pred[i] as number) + kx * (sample[i] as number) + km * (modelOutput[i] as number) + kn * (noise[i] as number);
        }
      }
      return out;
    }
    const hi = config.clipSample ? config.clipSampleRange : Infinity;
    const lo = -hi;
    if (noise === undefined) {
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        const x0 = Math.min(hi, Math.max(lo, px * x + pm * m)); // branch-free clamp
        pred[i] = x0;
        prev[i] = k0 * x0 + kx * x + km * m;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const x = sample[i] as number;
        const m = modelOutput[i] as number;
        const x0 = Math.min(hi, Math.max(lo, px * x + pm * m)); // branch-free clamp
        pred[i] = x0;
        prev[i] = k0 * x0 + kx * x + km * m + kn * (noise[i] as number);
      }
    }
    return out;
  }
}
