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

/** One component's weights, by name, for assertWeightsFitMemory. */
export interface ComponentWeights {
  readonly name: string;
  readonly parameters: number;
}

/**
 * Refuses a pipeline whose weights cannot fit in free memory, before any session is created. denoise computes in
 * float32 whatever the files hold (an fp16 file's weights are cast once, when its session is created), so the sessions
 * hold at least 4 bytes per parameter; activations, the runtime's arenas and, while a session is created, the file's own
 * copy come on top. `free` defaults to os.freemem().
 */
export function assertWeightsFitMemory(modelPath: string, components: readonly ComponentWeights[], free: number = freemem()): void {
  const bytes = components.reduce((sum, c) => sum + 4 * c.parameters, 0);
  if (bytes <= free) return;
  const parts = components.map((c) => `${c.name} ${gib(4 * c.parameters)}`).join(', ');
  throw new InsufficientMemoryError(
    `${modelPath}: its weights need at least ${gib(bytes)} of memory in float32 (${parts}), but ${gib(free)} is free; ` +
      'denoise computes in float32 whatever precision the files hold, so a machine (or a moment) with more free memory is needed',
    0,
  );
}
