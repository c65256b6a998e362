import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fidInputTensor, toPixels, type FidInputOptions, type FidProtocol, type ImageBatch, type Rgba8Image } from '@denoise/image';
import { loadFeatureExtractor, loadFidInception, type FeatureExtractor } from '@denoise/runtime';
import { z } from 'zod';
import { BenchInputError } from '../bench-input-error.js';
import { formatIssues } from '../bench-result.js';

/**
 * Where FID's features come from:
 * - `classifier`: the embedded Fashion-MNIST classifier (fed the float samples, as the bench always has), meaningful
 *   only for the embedded model;
 * - `inception`: pytorch-fid's Inception-v3, built from its weights file (`pt_inception-2015-12-05-6726825d.pth`);
 * - `onnx`: a user's ONNX feature extractor, with its input size and normalisation declared in a JSON beside it.
 * The last two read 8-bit images as the FID tools do and resize them by `protocol`.
 */
export type FeatureSpaceSpec =
  | { readonly kind: 'classifier'; readonly file: string }
  | { readonly kind: 'inception' | 'onnx'; readonly file: string; readonly protocol: FidProtocol };

export interface FeatureSpace {
  readonly spec: FeatureSpaceSpec;
  /** sha256 of the extractor's file (the weights file, or the .onnx). */
  readonly sha256: string;
  /** Everything that decides the features of an image (extractor, preprocessing), for caching them. */
  readonly identity: string;
  readonly featureDim: number;
  /** Logits per image (the classifier's classes), 0 when the extractor has none. */
  readonly classCount: number;
  /** Features (and logits) of generated samples, NCHW float in [−1, 1]. */
  featuresOfSamples(batch: ImageBatch): Promise<ExtractedFeatures>;
  /** Features (and logits) of 8-bit images, as read from PNG files. */
  featuresOfPixels(images: readonly Rgba8Image[]): Promise<ExtractedFeatures>;
  dispose(): Promise<void>;
}

export interface ExtractedFeatures {
  readonly features: Float32Array;
  /** [count, classCount]; empty when classCount is 0. */
  readonly logits: Float32Array;
}

/** `--features inception:FILE | onnx:FILE`. */
export function parseFeaturesOption(value: string): { kind: 'inception' | 'onnx'; file: string } {
  const match = /^(inception|onnx):(.+)$/.exec(value.trim());
  if (!match) throw new BenchInputError(`--features ${value}: expected inception:FILE (pytorch-fid's Inception weights, .pth) or onnx:FILE (an ONNX feature extractor with FILE's .json beside it)`);
  return { kind: match[1] as 'inception' | 'onnx', file: match[2]! };
}

/** How a feature space is named in reports: "inception:FILE (protocol clean)". */
export function describeFeatureSpace(spec: FeatureSpaceSpec): string {
  return spec.kind === 'classifier' ? `the Fashion-MNIST classifier ${spec.file}` : `${spec.kind}:${spec.file} (protocol ${spec.protocol})`;
}

/** Images per extractor call: Inception's activations at 299² take ~30 MB per image. */
const CHUNK = 8;

export async function openFeatureSpace(spec: FeatureSpaceSpec, options: { readonly threads?: number } = {}): Promise<FeatureSpace> {
  const threads = options.threads !== undefined ? { threads: options.threads } : {};
  if (spec.kind === 'classifier') {
    const extractor = await loadFeatureExtractor(spec.file, threads);
    return {
      spec,
      sha256: extractor.sha256,
      identity: JSON.stringify({ kind: spec.kind, sha256: extractor.sha256 }),
      featureDim: extractor.featureDim,
      classCount: extractor.classCount,
      featuresOfSamples: (batch) => extractor.extract(batch.data.slice()),
      // Only the sweep's samples reach the embedded classifier; image files are read through --features.
      featuresOfPixels: () => Promise.reject(new BenchInputError('the embedded Fashion-MNIST classifier scores generated samples only; read image files with --features inception:FILE or onnx:FILE')),
      dispose: () => extractor.dispose(),
    };
  }
  const network = spec.kind === 'inception' ? await openInception(spec.file, threads) : await openOnnxExtractor(spec.file, threads);
  const { extractor } = network;
  const input: FidInputOptions = { ...network.input, protocol: spec.protocol };
  const perImage = 3 * network.input.height * network.input.width;
  const ofPixels = async (images: readonly Rgba8Image[]): Promise<ExtractedFeatures> => {
    const features = new Float32Array(images.length * extractor.featureDim);
    for (let first = 0; first < images.length; first += CHUNK) {
      const chunk = images.slice(first, first + CHUNK);
      const inputs = new Float32Array(chunk.length * perImage);
      chunk.forEach((image, i) => inputs.set(fidInputTensor(image, input), i * perImage));
      features.set(await extractor.extract(inputs, chunk.length), first * extractor.featureDim);
    }
    return { features, logits: new Float32Array(0) };
  };
  return {
    spec,
    sha256: extractor.sha256,
    identity: JSON.stringify({ kind: spec.kind, sha256: extractor.sha256, input }),
    featureDim: extractor.featureDim,
    classCount: 0,
    // The FID tools read the saved 8-bit images: the samples go through the same rounding as the PNGs written.
    featuresOfSamples: (batch) => ofPixels(Array.from({ length: batch.shape[0] }, (_, i) => toPixels(batch, i))),
    featuresOfPixels: ofPixels,
    dispose: () => extractor.dispose(),
  };
}

/** The network's input: its size and, for an ONNX extractor, its declared normalisation (Inception: the protocol's own). */
type NetworkInput = Omit<FidInputOptions, 'protocol'> & { readonly height: number; readonly width: number };

interface NetworkExtractor {
  readonly sha256: string;
  readonly featureDim: number;
  extract(inputs: Float32Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

async function openInception(file: string, threads: { threads?: number }): Promise<{ input: NetworkInput; extractor: NetworkExtractor }> {
  const extractor = await loadFidInception(file, threads);
  return { input: { height: extractor.inputSize[0], width: extractor.inputSize[1] }, extractor };
}

/** The JSON beside a user's ONNX extractor (`model.onnx` → `model.json`). */
const onnxExtractorSchema = z.object({
  format: z.literal('denoise-feature-extractor/1'),
  input: z.object({
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    /** Applied to pixel values scaled to [0, 1], per RGB channel: (x − mean) / std. */
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  /** The output holding the features [B, D] (default: `features`). */
  output: z.string().min(1).default('features'),
});

export function onnxExtractorDescriptionPath(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.json`);
}

async function openOnnxExtractor(file: string, threads: { threads?: number }): Promise<{ input: NetworkInput; extractor: NetworkExtractor }> {
  const descriptionPath = onnxExtractorDescriptionPath(file);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(descriptionPath, 'utf8'));
  } catch (error) {
    throw new BenchInputError(
      `--features onnx:${file}: cannot read ${descriptionPath} (${(error as Error).message}); it declares the input, e.g. ` +
        '{"format": "denoise-feature-extractor/1", "input": {"height": 299, "width": 299, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}, "output": "features"}',
    );
  }
  const parsed = onnxExtractorSchema.safeParse(raw);
  if (!parsed.success) throw new BenchInputError(`${descriptionPath}: ${formatIssues(parsed.error)}`);
  const { input, output } = parsed.data;
  const extractor: FeatureExtractor = await loadFeatureExtractor(file, { ...threads, featuresOutput: output });
  const [c, h, w] = extractor.imageShape;
  if (c !== 3 || h !== input.height || w !== input.width) {
    await extractor.dispose();
    throw new BenchInputError(`${file}: its input is [B, ${c}, ${h}, ${w}] but ${descriptionPath} declares [B, 3, ${input.height}, ${input.width}]`);
  }
  return {
    input: { height: input.height, width: input.width, normalization: { mean: input.mean, std: input.std } },
    extractor: {
      sha256: extractor.sha256,
      featureDim: extractor.featureDim,
      extract: async (inputs) => (await extractor.extract(inputs)).features,
      dispose: () => extractor.dispose(),
    },
  };
}
