import { freemem } from 'node:os';
import type { UNetMemoryBound } from '@denoise/diffusers';

/** A batch that cannot fit in this machine's free memory, found before the first model call. */
export class InsufficientMemoryError extends Error {
  override readonly name = 'InsufficientMemoryError';
  constructor(
    message: string,
    /** How many images per batch would fit (0: not even one at this size). */
    readonly fits: number,
  ) {
    super(message);
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Refuses a batch whose activations cannot fit in free memory, before any model call. Only models denoise built
 * from a diffusers config have an estimate (a lower bound: skip connections and the largest attention, see
 * unetMemoryLowerBound); for other ONNX files nothing is checked. `free` defaults to os.freemem().
 */
export function assertBatchFitsMemory(
  model: { readonly modelPath: string; readonly activationLowerBound?: UNetMemoryBound; readonly signature: { readonly height: number; readonly width: number } },
  batch: number,
  free: number = freemem(),
): void {
  const bound = model.activationLowerBound;
  if (bound === undefined || batch * bound.perImageBytes <= free) return;
  const fits = Math.floor(free / bound.perImageBytes);
  const attention = bound.attentionBytes > 0 ? `, of which ${gib(bound.attentionBytes)} of attention scores` : '';
  throw new InsufficientMemoryError(
    `${model.modelPath}: a batch of ${batch} ${model.signature.height}×${model.signature.width} images needs at least ${gib(batch * bound.perImageBytes)} ` +
      `of activations (${gib(bound.perImageBytes)} per image${attention}), but ${gib(free)} of memory is free; ` +
      (fits >= 1 ? `at most ${fits} image(s) per batch fit` : 'not even one image fits: a smaller image size is needed'),
    fits,
  );
}
