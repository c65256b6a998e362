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
  /** Logits per image; 0 for an extractor without a `logits` output. */
  readonly classCount: number;
  /** NCHW float32 images in the model's input range → row-major features [N, featureDim] and logits [N, classCount] (empty when classCount is 0). */
  extract(images: Float32Array): Promise<{ features: Float32Array; logits: Float32Array }>;
  dispose(): Promise<void>;
}

export interface FeatureExtractorOptions {
  readonly threads?: number;
  /** The output holding the features (default `features`). */
  readonly featuresOutput?: string;
}

/**
 * Loads an ONNX feature extractor with one float32 image input [B, C, H, W], a features output [B, D] (named
 * `features` unless told otherwise) and, for a classifier, `logits` [B, K] (fixtures/models/fmnist-classifier is one).
 */
export async function loadFeatureExtractor(modelPath: string, options: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  const featuresName = options.featuresOutput ?? 'features';
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
  const features = byName.get(featuresName);
  const logits = byName.get('logits');
  const dims = (m: ort.InferenceSession.ValueMetadata | undefined) => (m?.isTensor ? m.shape : []);
  const [, c, h, w] = dims(input);
  const featureDim = dims(features)[1];
  const classCount = logits === undefined ? 0 : dims(logits)[1];
  if (
    session.inputMetadata.length !== 1 || !input?.isTensor || input.type !== 'float32' || typeof c !== 'number' ||
    typeof h !== 'number' || typeof w !== 'number' || typeof featureDim !== 'number' || typeof classCount !== 'number'
  ) {
    await session.release();
    throw new ModelLoadError(
      modelPath,
      `expected one float32 input [B, C, H, W] with fixed C, H, W and an output \`${featuresName}\` [B, D] with fixed D (and optionally \`logits\` [B, K]); ` +
        `it has inputs ${describe(session.inputMetadata)} and outputs ${describe(session.outputMetadata)}`,
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
      const wanted = classCount > 0 ? [featuresName, 'logits'] : [featuresName];
      const out = await session.run({ [input.name]: new ort.Tensor('float32', images, [batch, c, h, w]) }, wanted);
      return { features: out[featuresName]!.data as Float32Array, logits: classCount > 0 ? (out['logits']!.data as Float32Array) : new Float32Array(0) };
    },
    dispose: () => session.release(),
  };
}

/** "name [dims] type, …" of a session's inputs or outputs, for errors. */
function describe(values: readonly ort.InferenceSession.ValueMetadata[]): string {
  return values.map((v) => (v.isTensor ? `${v.name} [${v.shape.join(', ')}] ${v.type}` : `${v.name} (not a tensor)`)).join(', ') || 'none';
}
