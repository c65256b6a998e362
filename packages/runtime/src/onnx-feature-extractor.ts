import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './model-errors.js';
import { assertLooksLikeOnnx, sha256File } from './model-files.js';

/** A classifier that maps images to features (for FID/KID) and class logits (for mode coverage). */
export interface FeatureExtractor {
  readonly modelPath: string;
  readonly sha256: string;
  /** [C, H, W] of one input image. */
  readonly imageShape: readonly [number, number, number];
  readonly featureDim: number;
  readonly classCount: number;
  /** NCHW float32 images in the classifier's input range → row-major features [N, featureDim] and logits [N, classCount]. */
  extract(images: Float32Array): Promise<{ features: Float32Array; logits: Float32Array }>;
  dispose(): Promise<void>;
}

/**
 * Loads an ONNX classifier with one float32 image input [B, C, H, W] and two outputs named `features` [B, D]
 * and `logits` [B, K] (fixtures/models/fmnist-classifier is one).
 */
export async function loadFeatureExtractor(modelPath: string, options: { threads?: number } = {}): Promise<FeatureExtractor> {
  await assertLooksLikeOnnx(modelPath).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelLoadError(modelPath, 'no such file', { cause: error });
    throw error;
  });
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    logSeverityLevel: 3,
  });
  const input = session.inputMetadata[0];
  const byName = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const features = byName.get('features');
  const logits = byName.get('logits');
  const dims = (m: ort.InferenceSession.ValueMetadata | undefined) => (m?.isTensor ? m.shape : []);
  const [, c, h, w] = dims(input);
  const featureDim = dims(features)[1];
  const classCount = dims(logits)[1];
  if (
    session.inputMetadata.length !== 1 || !input?.isTensor || input.type !== 'float32' || typeof c !== 'number' ||
    typeof h !== 'number' || typeof w !== 'number' || typeof featureDim !== 'number' || typeof classCount !== 'number'
  ) {
    await session.release();
    throw new ModelLoadError(
      modelPath,
      'expected one float32 input [B, C, H, W] and outputs `features` [B, D] and `logits` [B, K] with fixed C, H, W, D, K',
    );
  }
  const sha256 = await sha256File(modelPath);
  const perImage = c * h * w;
  return {
    modelPath,
    sha256,
    imageShape: [c, h, w],
    featureDim,
    classCount,
    async extract(images) {
      const batch = images.length / perImage;
      if (!Number.isInteger(batch) || batch < 1) {
        throw new RangeError(`${modelPath}: ${images.length} values are not a whole batch of ${c}×${h}×${w} images`);
      }
      const out = await session.run({ [input.name]: new ort.Tensor('float32', images, [batch, c, h, w]) }, ['features', 'logits']);
      return { features: out['features']!.data as Float32Array, logits: out['logits']!.data as Float32Array };
    },
    dispose: () => session.release(),
  };
}
