/** An input the user gave that cannot be used: reported with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The run was stopped by a signal outside the sampling loop (loading, writing the outputs). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Throws InterruptedError when the run's signal has fired. */
export function throwIfInterrupted(signal: AbortSignal, phase: string): void {
  if (signal.aborted) throw new InterruptedError(`${String((signal.reason as Error | undefined)?.message ?? 'interrupted')} ${phase}; nothing written`);
}
