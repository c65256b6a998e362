import * as ort from 'onnxruntime-node';
import {
  resolveExecutionProvider,
  type ExecutionProvider,
  type ExecutionProviderChoice,
} from './execution-provider.js';
import { ModelLoadError } from './model-errors.js';
import { assertLooksLikeOnnx, locateModelFiles, readSchedulerConfig, sha256File } from './model-files.js';
import { readModelSignature, type ModelSignature } from './model-signature.js';
import { OnnxDenoiser } from './onnx-denoiser.js';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface LoadModelOptions {
  /** Default 'cpu'. 'auto' takes the best usable provider; `LoadedModel.executionProvider` says which. */
  readonly executionProvider?: ExecutionProviderChoice;
  /** onnxruntime intra-op threads; default: onnxruntime's choice (one per physical core). */
  readonly threads?: number;
  /** Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
}

export interface LoadedModel {
  readonly modelPath: string;
  readonly schedulerConfigPath?: string;
  /** The parsed scheduler_config.json found with the model, as is (validate it with @denoise/schedule). */
  readonly schedulerConfig?: unknown;
  readonly sha256: string;
  readonly executionProvider: ExecutionProvider;
  readonly signature: ModelSignature;
  readonly denoiser: OnnxDenoiser;
  /** The underlying session, for callers that time bare `session.run` calls (the bench's ceiling). */
  readonly session: ort.InferenceSession;
  dispose(): Promise<void>;
}

/** Loads a `.onnx` file, a folder with model.onnx (+ scheduler_config.json), or a diffusers-style folder. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const threads = options.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(`threads must be an integer ≥ 1, got ${threads}`);
  }
  const files = await locateModelFiles(path);
  const { modelPath } = files;
  await assertLooksLikeOnnx(modelPath);
  const executionProvider = await resolveExecutionProvider(options.executionProvider ?? 'cpu');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: [executionProvider],
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      logSeverityLevel: 3,
    });
  } catch (error) {
    const message = (error as Error).message;
    const why = /protobuf parsing failed/i.test(message) ? 'truncated or corrupt ONNX file (protobuf parsing failed)' : message;
    throw new ModelLoadError(modelPath, why, { cause: error });
  }
  try {
    const signature = readModelSignature(modelPath, session);
    const [sha256, schedulerConfig] = await Promise.all([
      sha256File(modelPath),
      files.schedulerConfigPath ? readSchedulerConfig(files.schedulerConfigPath) : undefined,
    ]);
    const denoiser = new OnnxDenoiser(session, signature, modelPath);
    return {
      modelPath,
      ...(files.schedulerConfigPath ? { schedulerConfigPath: files.schedulerConfigPath, schedulerConfig } : {}),
      sha256,
      executionProvider,
      signature,
      denoiser,
      session,
      dispose: () => denoiser.dispose(),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}
