/** What `step` returns: x_{t−1} and the model's estimate of x_0 (diffusers' `prev_sample`, `pred_original_sample`). */
export interface StepOutput {
  readonly prevSample: Float32Array;
  readonly predOriginalSample: Float32Array;
}

export interface StepOptions {
  /** DDIM: η of Song et al. eq. 16 (0 = deterministic); defaults to the config's `eta`. DDPM ignores it. */
  readonly eta?: number;
  /**
   * Standard-normal variance noise, the length of `sample`. Required whenever `noiseDrawnAt(t, eta)` is
   * true (DDPM: t > 0; DDIM: η > 0); ignored otherwise.
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
