// The argument checks every scheduler base runs once per call (DiscreteScheduler, SigmaDiscreteScheduler,
// MultistepScheduler): a RangeError for a length, batch size or index that does not fit, before any state
// changes or any per-element work.

import type { StepOptions, StepOutput } from './step-types.js';

/** What `checkStepArguments` returns: the checked batch size, the output buffers and the noise. */
export interface StepArguments {
  /** `options.batchSize` (default 1); 1 when the caller does not batch. */
  readonly batchSize: number;
  /** `options.out`, or two newly allocated buffers the length of `sample`. */
  readonly out: StepOutput;
  /** `options.noise` when the step needs it, else undefined. */
  readonly noise: Float32Array | undefined;
}

/**
 * Checks `step`'s arguments against the sample's length n: the model output has n × `modelChannelsFactor`
 * elements (2 for learned variance, whose extra channels are the variance), `options.batchSize` is a positive
 * integer dividing n (only when `batched`; the σ family ignores the batch size), `options.noise` is given
 * with n elements when `noiseNeeded`, and `options.out` (when given) holds two buffers of n elements.
 * Returns the batch size and the output buffers (allocated when not given).
 */
export function checkStepArguments(
  modelOutput: Float32Array,
  sample: Float32Array,
  options: StepOptions,
  modelChannelsFactor: 1 | 2,
  noiseNeeded: boolean,
  batched = true,
): StepArguments {
  const n = sample.length;
  if (modelOutput.length !== n * modelChannelsFactor) {
    throw new RangeError(
      `modelOutput has ${modelOutput.length} elements; expected ${n * modelChannelsFactor} (${modelChannelsFactor} × sample)`,
    );
  }
  const batchSize = batched ? (options.batchSize ?? 1) : 1;
  if (!Number.isInteger(batchSize) || batchSize < 1 || n % batchSize !== 0) {
    throw new RangeError(`batchSize must be a positive integer dividing sample.length (${n}), got ${batchSize}`);
  }
  let noise: Float32Array | undefined;
  if (noiseNeeded) {
    noise = options.noise;
    if (noise === undefined) throw new RangeError('noise is required for this step (variance noise is drawn here)');
    if (noise.length !== n) throw new RangeError(`noise has ${noise.length} elements; expected ${n}`);
  }
  const out = options.out ?? { prevSample: new Float32Array(n), predOriginalSample: new Float32Array(n) };
  if (out.prevSample.length !== n || out.predOriginalSample.length !== n) {
    throw new RangeError(`out buffers must have ${n} elements each`);
  }
  return { batchSize, out, noise };
}

/** diffusers' `set_begin_index` check: an integer index into a plan of `planLength` entries, else a RangeError. */
export function checkBeginIndex(index: number, planLength: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= planLength) {
    throw new RangeError(`begin index must be an integer in [0, ${planLength - 1}], got ${index}`);
  }
  return index;
}
