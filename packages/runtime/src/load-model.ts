import { InputError } from '@denoise/sampler';
import {
  buildUNetModel,
  type BuildComponentOptions,
  type GraphOptions,
  unetMemoryLowerBound,
  type BuiltUNetModel,
  type UNetMemoryBound,
} from '@denoise/diffusers';
import {
  resolveExecutionProvider,
  type ExecutionProvider,
  type ExecutionProviderChoice,
} from './execution-provider.js';
import { ModelLoadError } from './model-errors.js';
import { assertFilesUnchanged, assertLooksLikeOnnx, fileIdentities, locateModelFiles, readSchedulerConfig, sha256File, type ModelFiles } from './model-files.js';
import type { ModelSignature, SampleShapeRequest } from './model-signature.js';
import { readModelSignature } from './read-model-signature.js';
import type { DownloadProgress } from '@denoise/hub';
import { resolveModelReference, type ResolvedModelReference, type ResolveReferenceOptions, type SyntheticCatalog } from './model-reference.js';
import { webGpuAdapter, type GpuAdapterInfo } from './gpu-adapter.js';
import type { OnnxDenoiser } from './onnx-denoiser.js';
import { registerSession } from './model-sessions.js';
import { SessionDenoiser } from './session-denoiser.js';
import { openDeepCacheSessions, type DeepCacheSessions } from './deep-cache-sessions.js';
import { assertDeepCacheOptions, type DeepCacheOptions } from './deep-cache-schedule.js';
import { asModelLoadError } from './component-errors.js';
import { createSession } from './create-session.js';
import type { GraphOptimizationLevel, SessionSettings } from './session-settings.js';
import { parseInt8Options, parsePrecision, type Int8Config, type Int8Options, type LoadPrecision } from './int8-options.js';
import { buildInt8UNetModel, type Int8ModelInfo } from './int8-model.js';

/**
 * What a UNet2DModel folder without scheduler_config.json is sampled with: diffusers' DDPMScheduler defaults
 * (1000 steps, linear β 1e-4 … 0.02, ε-prediction), the schedule the DDPM checkpoints were trained with.
 */
export const DEFAULT_UNET_SCHEDULER_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({ _class_name: 'DDPMScheduler' });


export interface LoadModelOptions {
  /** Default 'cpu'. 'auto' takes the best usable provider; `LoadedModel.executionProvider` says which. */
  readonly executionProvider?: ExecutionProviderChoice;
  /** onnxruntime intra-op threads; default: onnxruntime's choice (one per physical core). */
  readonly threads?: number;
  /** Default 'all'; in a text-to-image pipeline the UNet defaults to 'extended' (see UNET_OPTIMIZATION_LEVEL). */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** Sample size for models with symbolic C/H/W (from --height/--width or the --noise shape). */
  readonly sampleShape?: Pick<SampleShapeRequest, 'channels' | 'height' | 'width'>;
  /** Written into the graphs built from diffusers folders (the caller's version). */
  readonly producerVersion?: string;
  /** The published architectures `synthetic:NAME` may name (see resolveModelReference). */
  readonly syntheticCatalog?: SyntheticCatalog;
  /** diffusers weights variant, e.g. 'fp16' picks diffusion_pytorch_model.fp16.safetensors. */
  readonly variant?: string;
  /** hf: models: re-hash every cached file the model uses against its sha256 / git blob id (a mismatch is fetched again). */
  readonly verifyCache?: boolean;
  /** Progress lines of slow preparation (writing a synthetic checkpoint, falling back to the Hub cache). */
  readonly log?: (line: string) => void;
  /** Byte progress of Hub downloads, for a progress bar. */
  readonly onDownload?: (progress: DownloadProgress) => void;
  /** Stops a Hub request or download at once (an interrupted download resumes on the next run). */
  readonly signal?: AbortSignal;
  /** DeepCache (diffusers folders): a second, shallow session reuses the full calls' deep feature between them. */
  readonly deepCache?: DeepCacheOptions;
  /**
   * Default 'float32'. 'int8': a diffusers UNet2DModel folder's Conv layers run in int8 (static QDQ, calibrated on
   * the model's own sampling runs, cached; see buildInt8UNetModel), on the CPU provider.
   */
  readonly precision?: LoadPrecision;
  /** Calibration of precision 'int8' (defaults: percentile, 4 DDIM runs × 10 steps from seed 0). */
  readonly int8?: Int8Options;
}

/** What a diffusers folder was built into, for reports. */
export interface BuiltModelInfo {
  readonly configPath: string;
  readonly weightsPath: string;
  readonly weightsFormat: 'safetensors' | 'torch-bin';
  readonly weightsBytes: number;
  readonly parameterCount: number;
  /** Reading config + weights header and building the ONNX graph. */
  readonly buildMs: number;
  readonly onnxBytes: number;
  /** With DeepCache: the branch, the shallow forward's weights and its session's creation time. */
  readonly deepCache?: DeepCacheBuild;
}

export interface DeepCacheBuild {
  readonly branch: number;
  readonly maxBranch: number;
  /** Parameters the shallow forward reads (its session holds them once more; the full session holds them all). */
  readonly shallowParameterCount: number;
  readonly shallowSessionMs: number;
}

export interface LoadedModel {
  readonly kind: 'unconditional';
  /** The .onnx file, or the folder of a diffusers UNet2DModel (config.json + weights). */
  readonly modelPath: string;
  readonly schedulerConfigPath?: string;
  /**
   * The parsed scheduler_config.json found with the model, as is (validate it with @denoise/schedule). A diffusers
   * UNet folder without one gets DEFAULT_UNET_SCHEDULER_CONFIG (and `schedulerConfigIsDefault`).
   */
  readonly schedulerConfig?: unknown;
  readonly schedulerConfigIsDefault?: boolean;
  /** sha256 of the .onnx file; for a diffusers folder, of config.json's bytes followed by the weights file's. */
  readonly sha256: string;
  readonly executionProvider: ExecutionProvider;
  /** With the webgpu provider: the adapter it runs on, as far as the machine tells (see webGpuAdapter). */
  readonly adapter?: GpuAdapterInfo;
  readonly signature: ModelSignature;
  readonly denoiser: OnnxDenoiser;
  /** Set for an `hf:` reference: the repo, the revision asked for and the commit it resolved to. */
  readonly hub?: ResolvedModelReference['hub'];
  /** Set for a diffusers folder: the graph denoise built from it. */
  readonly built?: BuiltModelInfo;
  /** Set for a diffusers folder: a lower bound of the activation memory per image at this sample size. */
  readonly activationLowerBound?: UNetMemoryBound;
  /** The session's creation time (parsing, optimization, weight loading). */
  readonly sessionMs: number;
  /** Set for precision 'int8': what runs in int8 and the calibration it used. */
  readonly int8?: Int8ModelInfo;
  dispose(): Promise<void>;
}

/**
 * Loads a model reference (a path, or `synthetic:ARCH`, see resolveModelReference): a `.onnx` file, a folder with model.onnx (+ scheduler_config.json), a diffusers-style folder with
 * unet/model.onnx, or a diffusers UNet2DModel folder (config.json + safetensors/.bin), whose ONNX graph is built
 * in memory; its weights stay in their file and onnxruntime reads them as external data.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  assertThreads(options.threads);
  return loadResolvedModel(await resolveModelReference(path, referenceOptions(options)), options);
}

/** loadModel for a reference already resolved to a local path (see openModel). */
export async function loadResolvedModel(reference: ResolvedModelReference, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const threads = options.threads;
  assertThreads(threads);
  const int8 = parsePrecision(options.precision) === 'int8' ? parseInt8Options(options.int8) : undefined;
  const files = await locateModelFiles(reference.localPath, options.variant !== undefined ? { variant: options.variant } : {});
  if (files.kind === 'onnx') await assertLooksLikeOnnx(files.modelPath);
  const executionProvider = await resolveExecutionProvider(options.executionProvider ?? 'cpu');
  const hashedPaths = files.kind === 'onnx' ? [files.modelPath] : [files.folder.configPath, files.folder.weightsPath];
  const identities = await fileIdentities(hashedPaths);
  if (int8 && files.kind === 'onnx') assertInt8Supported(files.modelPath, 'an ONNX file');
  if (options.deepCache) {
    assertDeepCacheOptions(options.deepCache);
    if (files.kind === 'onnx') {
      throw new InputError('deepcache', options.deepCache.interval, 'a diffusers UNet folder', `${files.modelPath}: DeepCache cuts the UNet graph denoise builds from a diffusers folder; an ONNX file's graph cannot be cut`);
    }
  }
  const deepCacheBranch = options.deepCache ? (options.deepCache.branch ?? 0) : undefined;
  const graphOptions = { ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}), ...(deepCacheBranch !== undefined ? { deepCacheBranch } : {}) };
  const source: FolderSource | undefined =
    files.kind === 'onnx'
      ? undefined
      : int8
        ? await buildInt8FromFolder(files, int8, executionProvider, hashedPaths, { ...options, ...graphOptions })
        : await buildFromFolder(files, { ...graphOptionsFor(executionProvider), ...graphOptions });

  const sessionStarted = performance.now();
  const settings: SessionSettings = {
    executionProvider,
    ...(threads !== undefined ? { threads } : {}),
    ...(options.graphOptimizationLevel ? { graphOptimizationLevel: options.graphOptimizationLevel } : {}),
  };
  const session = await createSession(source ? source.model : { path: files.modelPath }, files.modelPath, { ...settings, ...(options.deepCache ? { spinning: false } : {}) });
  const sessionMs = performance.now() - sessionStarted;
  let deepCache: { readonly sessions: DeepCacheSessions; readonly build: DeepCacheBuild } | undefined;
  try {
    if (options.deepCache && source?.model.shallow && source.model.signature.deepCache) {
      const started = performance.now();
      const sessions = await openDeepCacheSessions(source.model.shallow, files.modelPath, settings, options.deepCache);
      const { branch, maxBranch } = source.model.signature.deepCache;
      deepCache = {
        sessions,
        build: { branch, maxBranch, shallowParameterCount: source.model.shallow.parameterCount, shallowSessionMs: performance.now() - started },
      };
    }
    const signature = readModelSignature(files.modelPath, session, shapeRequest(options, source?.model));
    if (source) assertSizeFits(files.modelPath, signature, source.model);
    const [sha256, schedulerConfig] = await Promise.all([
      source?.sha256 ?? sha256File(...hashedPaths),
      files.schedulerConfigPath ? readSchedulerConfig(files.schedulerConfigPath) : undefined,
    ]);
    await assertFilesUnchanged(hashedPaths, identities);
    const denoiser: OnnxDenoiser = new SessionDenoiser(session, withClassCount(signature, source?.model), files.modelPath, { deepCache: deepCache?.sessions });
    const adapter = executionProvider === 'webgpu' ? webGpuAdapter() : undefined;
    const model: LoadedModel = {
      kind: 'unconditional',
      modelPath: files.modelPath,
      ...(files.schedulerConfigPath
        ? { schedulerConfigPath: files.schedulerConfigPath, schedulerConfig }
        : files.kind === 'diffusers'
          ? { schedulerConfig: DEFAULT_UNET_SCHEDULER_CONFIG, schedulerConfigIsDefault: true }
          : {}),
      sha256,
      executionProvider,
      ...(adapter ? { adapter } : {}),
      signature: denoiser.signature,
      denoiser,
      ...(source ? { built: { ...source.info, ...(deepCache ? { deepCache: deepCache.build } : {}) }, activationLowerBound: unetMemoryLowerBound(source.model.config, signature.height, signature.width) } : {}),
      ...(reference.hub ? { hub: reference.hub } : {}),
      sessionMs,
      ...(source?.int8 ? { int8: source.int8 } : {}),
      dispose: () => denoiser.dispose(),
    };
    registerSession(model, session);
    return model;
  } catch (error) {
    await session.release();
    await deepCache?.sessions.shallow.release();
    throw error;
  }
}

type FolderFiles = Extract<ModelFiles, { kind: 'diffusers' }>;

async function buildFromFolder(files: FolderFiles, build: BuildComponentOptions): Promise<{ model: BuiltUNetModel; info: BuiltModelInfo }> {
  const started = performance.now();
  let model: BuiltUNetModel;
  try {
    model = await buildUNetModel(files.folder, { storage: 'external', ...build });
  } catch (error) {
    throw asModelLoadError(error, files.modelPath);
  }
  return { model, info: builtInfo(files, model, started) };
}

/** What a folder was built into, for reports; `started`: when its build began. */
function builtInfo(files: FolderFiles, model: BuiltUNetModel, started: number): BuiltModelInfo {
  return {
    configPath: files.folder.configPath,
    weightsPath: files.folder.weightsPath,
    weightsFormat: files.folder.weightsFormat,
    weightsBytes: model.weightsBytes,
    parameterCount: model.parameterCount,
    buildMs: performance.now() - started,
    onnxBytes: model.bytes.byteLength,
  };
}

// --- int8 precision (see int8-model.ts) ---

/** A built folder; int8 builds also carry what they quantized and the sha256 they keyed the calibration by. */
interface FolderSource {
  readonly model: BuiltUNetModel;
  readonly info: BuiltModelInfo;
  readonly int8?: Int8ModelInfo;
  readonly sha256?: string;
}

async function buildInt8FromFolder(
  files: FolderFiles,
  int8: Int8Config,
  executionProvider: ExecutionProvider,
  hashedPaths: readonly string[],
  options: LoadModelOptions & { readonly deepCacheBranch?: number },
): Promise<{ model: BuiltUNetModel; info: BuiltModelInfo; int8: Int8ModelInfo; sha256: string }> {
  if (executionProvider !== 'cpu') assertInt8Supported(files.modelPath, `the ${executionProvider} execution provider`);
  const started = performance.now();
  const [sha256, schedulerConfig] = await Promise.all([
    sha256File(...hashedPaths),
    files.schedulerConfigPath ? readSchedulerConfig(files.schedulerConfigPath) : DEFAULT_UNET_SCHEDULER_CONFIG,
  ]);
  let built: Awaited<ReturnType<typeof buildInt8UNetModel>>;
  try {
    built = await buildInt8UNetModel(files.folder, { ...int8, ...(int8.log || !options.log ? {} : { log: options.log }) }, {
      sha256,
      schedulerConfig,
      ...(options.sampleShape?.height !== undefined ? { height: options.sampleShape.height } : {}),
      ...(options.sampleShape?.width !== undefined ? { width: options.sampleShape.width } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
      ...(options.deepCacheBranch !== undefined ? { deepCacheBranch: options.deepCacheBranch } : {}),
    });
  } catch (error) {
    throw asModelLoadError(error, files.modelPath);
  }
  return { model: built.model, info: builtInfo(files, built.model, started), int8: built.int8, sha256 };
}

function assertInt8Supported(path: string, what: string): never {
  throw new ModelLoadError(path, `precision 'int8' is supported for a diffusers UNet2DModel folder (config.json + weights) on the cpu execution provider, not for ${what}`);
}

function shapeRequest(options: LoadModelOptions, built: BuiltUNetModel | undefined): SampleShapeRequest {
  const size = built?.config.sampleSize;
  return { ...options.sampleShape, ...(size ? { defaultHeight: size[0], defaultWidth: size[1] } : {}) };
}

/** UNet2DModel halves the size at each level but the last: H and W must be multiples of 2^(levels − 1). */
function assertSizeFits(path: string, signature: ModelSignature, built: BuiltUNetModel): void {
  const multiple = built.signature.sizeMultiple;
  if (signature.height % multiple !== 0 || signature.width % multiple !== 0) {
    throw new ModelLoadError(
      path,
      `sample size ${signature.height}×${signature.width} does not fit the model: with ${built.config.blockOutChannels.length} levels, height and width must be multiples of ${multiple}`,
    );
  }
}

function withClassCount(signature: ModelSignature, built: BuiltUNetModel | undefined): ModelSignature {
  const count = built?.signature.classLabels?.count;
  if (!signature.classLabels || count === undefined) return signature;
  return { ...signature, classLabels: { ...signature.classLabels, count } };
}

/**
 * How graphs are built for a provider: onnxruntime's fused attention kernel everywhere but WebGPU, whose
 * MultiHeadAttention drifts from the CPU's by ~1e-2 on Mesa's lavapipe (its standard operators agree to ~1e-5).
 */
export function graphOptionsFor(executionProvider: ExecutionProvider): GraphOptions {
  return { fusedAttention: executionProvider !== 'webgpu' };
}

/** The options of resolveModelReference that the load options carry. */
export function referenceOptions(options: Pick<LoadModelOptions, 'variant' | 'log' | 'onDownload' | 'syntheticCatalog' | 'signal' | 'verifyCache'>): ResolveReferenceOptions {
  return {
    ...(options.verifyCache ? { verifyCache: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    ...(options.syntheticCatalog ? { syntheticCatalog: options.syntheticCatalog } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onDownload ? { onDownload: options.onDownload } : {}),
  };
}

export function assertThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new InputError('threads', threads, 'an integer ≥ 1', `threads must be an integer ≥ 1, got ${threads}`);
}
