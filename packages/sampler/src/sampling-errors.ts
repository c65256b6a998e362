/** A NaN or ±Infinity appeared in the model output or in the sample. */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';
  constructor(
    readonly stepIndex: number,
    readonly timestep: number,
    readonly tensor: 'model output' | 'prev sample',
    readonly elementIndex: number,
    readonly value: number,
  ) {
    super(
      `non-finite value ${value} in the ${tensor} at step ${stepIndex} (timestep ${timestep}), ` +
        `element ${elementIndex}; the run was stopped`,
    );
  }
}

/** The run was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class SamplingAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(
    readonly stepsDone: number,
    reason: unknown,
  ) {
    super(`sampling cancelled after ${stepsDone} step(s)`, { cause: reason });
  }
}
