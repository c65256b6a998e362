/** What a denoising model expects and returns, as the sampling loop sees it. */
export interface DenoiserSpec {
  /** Channels of the sample (C). */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /**
   * Channels of the model output: C for ε / x0 / v prediction, 2C for a learned-variance model
   * (diffusers `variance_type: learned | learned_range`), whose second half is the variance term.
   */
  readonly outputChannels: number;
  /** A batch size the model is fixed to, or undefined when the batch axis is dynamic. */
  readonly fixedBatchSize?: number | undefined;
}

/**
 * A denoising model: given x_t and t, predicts ε (or x0, or v, as the scheduler's prediction_type says).
 * Implementations: the ONNX one in @denoise/runtime, closed-form ones in tests.
 */
export interface Denoiser {
  readonly spec: DenoiserSpec;
  /**
   * `sample` is NCHW float32 with N = sample.length / (C·H·W). The returned array has N·outputChannels·H·W
   * elements and may be reused by the next call: read it before calling predict again.
   */
  predict(sample: Float32Array, timestep: number, call?: ModelCall): Promise<Float32Array>;
}

/**
 * Where a model call stands in its sampling run, as the loop passes it: a model that reuses work across the calls of
 * one run (DeepCache's cached deep features) decides from it which calls compute everything. Schedulers never see it.
 */
export interface ModelCall {
  /** 0-based; 0 starts a new run, whose first call reuses nothing. */
  readonly index: number;
  /** The run's model calls. */
  readonly count: number;
}

export function elementsPerImage(spec: DenoiserSpec): number {
  return spec.channels * spec.height * spec.width;
}
