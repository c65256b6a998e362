/** A model file or folder that cannot be used: missing, not ONNX, corrupt, or with a signature denoise cannot drive. */
export class ModelLoadError extends Error {
  override readonly name: string = 'ModelLoadError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** A model whose sample size is symbolic, run without a size: the caller says which of its options give one. */
export class SampleSizeError extends ModelLoadError {
  override readonly name: string = 'SampleSizeError';
}

/** The execution provider asked for is not usable here. */
export class ExecutionProviderError extends Error {
  override readonly name = 'ExecutionProviderError';
}
