/** What `step` returns: x_{t−1} and the model's estimate of x_0 (diffusers' `prev_sample`, `pred_original_sample`). */
export interface StepOutput {
  readonly prevSample: Float32Array;
  readonly predOriginalSample: Float32Array;
  /**
   * LCM only: the consistency function's output c_skip·x_t + c_out·x0 (diffusers' `LCMSchedulerOutput.denoised`),
   * which the LCM pipelines decode. At the plan's last step it equals `prevSample`. Absent for the other schedulers;
   * given in `StepOptions.out`, LCM writes into it (it must not alias an input or another output).
   */
  readonly denoised?: Float32Array;
}

/**
 * Euler's stochastic "churn" (Karras et al. 2022, Algorithm 2): diffusers' `EulerDiscreteScheduler.step`
 * arguments s_churn, s_tmin, s_tmax, s_noise. γ = min(sChurn/(len(σ)−1), √2−1) where sTmin ≤ σ ≤ sTmax.
 */
export interface EulerChurn {
  readonly sChurn: number;
  /** Default 0. */
  readonly sTmin?: number;
  /** Default +∞. */
  readonly sTmax?: number;
  /** Default 1. */
  readonly sNoise?: number;
}

/** The step arguments that decide whether a step draws noise. */
export interface NoiseOptions {
  /** DDIM: η of Song et al. eq. 16 (0 = deterministic); defaults to the config's `eta`. Others take none. */
  readonly eta?: number;
  /** Euler only; no churn (deterministic) when absent. */
  readonly churn?: EulerChurn;
}

export interface StepOptions extends NoiseOptions {
  /**
   * Standard-normal variance noise, the length of `sample`. Required whenever `noiseDrawnAt(t, options)` is
   * true (DDPM: t > 0; DDIM: η > 0; DPM-Solver SDE and Euler ancestral: every step); ignored otherwise.
   */
  readonly noise?: Float32Array;
  /** DDIM: recompute ε from the clipped x0 before the direction term (diffusers' `use_clipped_model_output`). */
  readonly useClippedModelOutput?: boolean;
  /**
   * Number of batch items in `sample` (default 1). Dynamic thresholding takes its quantile per item, and
   * DDPM's learned variance types split each item's 2C model channels into ε and variance.
   */
  readonly batchSize?: number;
  /**
   * Buffers to write the result into instead of allocating. `prevSample` may be `sample` itself;
   * `predOriginalSample` must not alias any input.
   */
  readonly out?: StepOutput;
}
