import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { buildFidInceptionModel, FID_INCEPTION_FEATURE_DIM, FID_INCEPTION_INPUT_SIZE } from '@denoise/diffusers';
import { asModelLoadError } from './component-errors.js';
import { createSession } from './create-session.js';
import { ModelLoadError } from './model-errors.js';
import { sha256File } from './model-files.js';
import type { GraphOptimizationLevel } from './session-settings.js';

/** pytorch-fid's FID Inception-v3 network on onnxruntime: the input of Conv2d_1a_3x3 → the 2048 pool3 features. */
export interface FidInceptionExtractor {
  readonly weightsPath: string;
  /** Of the weights file. */
  readonly sha256: string;
  /** [height, width] of one input image. */
  readonly inputSize: readonly [number, number];
  readonly featureDim: number;
  /**
   * `count` images, float32 NCHW [count, 3, 299, 299] already resized and normalised as the FID tool does (the tensor
   * that enters the first convolution) → row-major features [count, 2048]. Runs at most `maxBatch` images at a time.
   */
  extract(inputs: Float32Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface LoadFidInceptionOptions {
  /** onnxruntime intra-op threads; default: onnxruntime's choice (one per physical core). */
  readonly threads?: number;
  /** Default 'all' (BatchNorm and ReLU fused into the convolutions, NCHWc layouts). */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * The most images one onnxruntime run takes (default 16): extract splits larger counts, so memory stays bounded
   * (the activations of one 299×299 image are about 60 MB at their widest).
   */
  readonly maxBatch?: number;
}

const DEFAULT_MAX_BATCH = 16;

/**
 * Builds the FID Inception graph over pytorch-fid's weights file (`.pth`, or the same state_dict as `.safetensors`)
 * and opens it on the CPU. A missing or unreadable file, or one that is not that state_dict, is a ModelLoadError
 * naming the file and what differs.
 */
export async function loadFidInception(weightsPath: string, options: LoadFidInceptionOptions = {}): Promise<FidInceptionExtractor> {
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`loadFidInception: maxBatch must be a positive integer, got ${maxBatch}`);
  const kind = await stat(weightsPath).then(
    (s) => (s.isFile() ? 'file' : 'other'),
    () => 'missing',
  );
  if (kind !== 'file') throw new ModelLoadError(weightsPath, kind === 'missing' ? 'no such file' : 'not a regular file');
  const [model, sha256] = await Promise.all([
    buildFidInceptionModel(weightsPath).catch((error: unknown) => {
      throw asModelLoadError(error, weightsPath);
    }),
    sha256File(weightsPath),
  ]);
  const session = await createSession(model, weightsPath, {
    executionProvider: 'cpu',
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.graphOptimizationLevel !== undefined ? { graphOptimizationLevel: options.graphOptimizationLevel } : {}),
  });
  const size = FID_INCEPTION_INPUT_SIZE;
  const perImage = 3 * size * size;
  return {
    weightsPath,
    sha256,
    inputSize: [size, size],
    featureDim: FID_INCEPTION_FEATURE_DIM,
    async extract(inputs, count) {
      if (!Number.isInteger(count) || count < 1) throw new RangeError(`extract: count must be a positive integer, got ${count}`);
      if (inputs.length !== count * perImage) {
        throw new RangeError(`extract: inputs has ${inputs.length} values; ${count} images of 3×${size}×${size} are ${count * perImage}`);
      }
      const features = new Float32Array(count * FID_INCEPTION_FEATURE_DIM);
      for (let first = 0; first < count; first += maxBatch) {
        const n = Math.min(maxBatch, count - first);
        const images = inputs.subarray(first * perImage, (first + n) * perImage);
        const out = await session.run({ images: new ort.Tensor('float32', images, [n, 3, size, size]) });
        features.set(out['features']!.data as Float32Array, first * FID_INCEPTION_FEATURE_DIM);
      }
      return features;
    },
    dispose: () => session.release(),
  };
}
