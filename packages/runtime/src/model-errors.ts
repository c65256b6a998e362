/** A model file or folder that cannot be used: missing, not ONNX, corrupt, or with a signature denoise cannot drive. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** The execution provider asked for is not usable here. */
export class ExecutionProviderError extends Error {
  override readonly name = 'ExecutionProviderError';
}
