import { InputError, type Denoiser } from '@denoise/sampler';
import type { DeepCacheOptions } from './deep-cache-schedule.js';
import type { ModelSignature } from './model-signature.js';

/**
 * A Denoiser over an ONNX model loaded by loadModel: the sampling loop and the scheduler always see float32,
 * whatever the model's dtypes and input layout. Implemented by SessionDenoiser; this interface is what the package
 * exports, so that no onnxruntime type crosses its boundary.
 */
export interface OnnxDenoiser extends Denoiser {
  readonly signature: ModelSignature;
  /**
   * Set when loaded with DeepCache: the calls of a run that deepCacheFullCalls names compute the deep feature, the
   * others run the shallow forward on the last one (a call without its ModelCall, or at another batch size, is full).
   */
  readonly deepCacheOptions: DeepCacheOptions | undefined;
  /**
   * The same model conditioned on class labels (diffusers' `class_labels`): one label for every image, or one
   * per image of the batch. Checked here against the model's class count, before any sampling.
   */
  withClassLabels(labels: readonly number[]): OnnxDenoiser;
  /**
   * The denoiser to sample `batchSize` images with, given the labels the user passed (or none): this one for an
   * unconditional model, the conditioned one for a class-conditional model. Refuses, before any work, labels for
   * an unconditional model, no labels for a conditional one, and a label count that is neither 1 nor the batch.
   */
  forClassLabels(labels: readonly number[] | undefined, batchSize: number): OnnxDenoiser;
  /**
   * The same model conditioned on `rows` images' worth of each conditioning input (a text-conditioned UNet's
   * encoder_hidden_states): one row per image of the batch it will be called with, so its batch is fixed to `rows`.
   * Every conditioning input the model declares must be given, with rows × (its row size) values.
   */
  conditionedOn(rows: number, feeds: readonly ConditioningFeed[]): OnnxDenoiser;
  /**
   * A bare model run on fixed inputs, with the feeds built once: the physical limit the bench compares the
   * whole harness with (no dtype adaptation, no output checks, no scheduler).
   */
  bareRun(sample: Float32Array, timestep: number): () => Promise<void>;
  /** Runs the model once on zeros at this batch size, so that the first timed step pays no set-up cost. */
  warmup(batchSize: number): Promise<void>;
  /** Releases the model's session; the denoiser (and every one derived from it) is unusable afterwards. */
  dispose(): Promise<void>;
}

/** The values of one conditioning input for a batch: [rows, …rowDims] float32. */
export interface ConditioningFeed {
  readonly name: string;
  readonly data: Float32Array;
  readonly rowDims: readonly number[];
}

/** Class labels as written on a command line or in a manifest: '3' (one for every image) or '0,1,2,3' (one per image). */
export function parseClassLabelList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new InputError('classLabels', text, 'a class index or a comma list of them', `expected a class index or a comma list of them (e.g. 3 or 0,1,2,3), got '${text}'`);
  }
  return parts.map(Number);
}
