import {
  buildComponent,
  CLIP_TEXT_MODEL,
  pipelinePlanPaths,
  TEXT_TIME_IDS,
  TEXT_TO_IMAGE_PIPELINES,
  UNET_2D_CONDITION,
  VAE_DECODER,
  VAE_ENCODER,
  type BuiltComponent,
  type ComponentKind,
  type PipelineFolder,
  type UNet2DConditionConfig,
  type WeightedComponentPlan,
} from '@denoise/diffusers';
import type { LatentSize, TextToImageModel, UNetConditioning } from '@denoise/sampler';
import { readClipTokenizer, type ClipTokenizer } from '@denoise/tokenizer';
import { asModelLoadError } from './component-errors.js';
import { assertThreads, graphOptionsFor, type BuiltModelInfo, type LoadModelOptions } from './load-model.js';
import type { GraphOptimizationLevel } from './session-settings.js';
import { createSession } from './create-session.js';
import { resolveExecutionProvider, type ExecutionProvider } from './execution-provider.js';
import { webGpuAdapter, type GpuAdapterInfo } from './gpu-adapter.js';
import { assertWeightsFitMemory } from './memory-check.js';
import { ModelLoadError } from './model-errors.js';
import { assertFilesUnchanged, fileIdentities, readSchedulerConfig, sha256File } from './model-files.js';
import type { ResolvedModelReference } from './model-reference.js';
import type { ModelSignature } from './model-signature.js';
import type { OnnxDenoiser } from './onnx-denoiser.js';
import { SessionDenoiser } from './session-denoiser.js';
import { openDeepCacheSessions, type DeepCacheSessions } from './deep-cache-sessions.js';
import { assertDeepCacheOptions } from './deep-cache-schedule.js';
import { assertClipSkip, PromptEncoder } from './prompt-encoder.js';
import type { TokenizedPrompts } from './tokenized-prompts.js';
import { TextEncoderSession } from './text-encoder-session.js';
import { VaeDecoderSession, VaeEncoderSession } from './vae-sessions.js';
import type * as ort from 'onnxruntime-node';

/**
 * The UNet's default graph optimization level in a pipeline. 'all' adds onnxruntime's NCHWc layout for the
 * convolutions: 7 % faster per SD 1.5 UNet call (5.29 s against 5.70 s at batch 2, 512², 2 threads) but 29 s more to
 * create the UNet's session (38.4 s against 9.3 s), which a run of fewer than ~70 UNet calls never earns back. The text
 * encoder and the VAE keep 'all' (their sessions take a second or two either way). Long runs (the bench) can ask for
 * 'all' everywhere.
 */
const UNET_OPTIMIZATION_LEVEL: GraphOptimizationLevel = 'extended';

/** How the pipeline's sessions are made (the subset of LoadModelOptions that applies once the folder is found). */
export type LoadPipelineOptions = Pick<LoadModelOptions, 'executionProvider' | 'threads' | 'graphOptimizationLevel' | 'producerVersion' | 'deepCache'>;

/** One component as it was loaded, for reports: what was built, and its session's creation time. */
export interface PipelineComponentInfo extends BuiltModelInfo {
  readonly className: string;
  /** Creating the onnxruntime session (parsing, optimization, loading the weights). */
  readonly sessionMs: number;
}

/** How the text conditioning is read from the text encoder (diffusers' `clip_skip`). */
export interface TextConditioningOptions {
  /** Use the output of the layer `clipSkip` before the last, with the final layer norm (diffusers' clip_skip). */
  readonly clipSkip?: number;
}

/** A Stable Diffusion pipeline loaded from its folder: tokenizer, text encoder, UNet and VAE decoder sessions. */
export interface LoadedPipeline {
  readonly kind: 'text-to-image';
  readonly pipelineClass: string;
  /** The pipeline folder (for an hf: reference, its snapshot in the Hub cache). */
  readonly modelPath: string;
  /** sha256 over model_index.json, each component's config and weights, the tokenizer files and the scheduler config. */
  readonly sha256: string;
  readonly schedulerConfigPath: string;
  /** The parsed scheduler_config.json, as is (validate it with @denoise/schedule). */
  readonly schedulerConfig: unknown;
  readonly executionProvider: ExecutionProvider;
  readonly adapter?: GpuAdapterInfo;
  readonly hub?: ResolvedModelReference['hub'];
  /** By component folder: unet, vae, text_encoder (and SDXL's text_encoder_2). */
  readonly components: Readonly<Record<string, PipelineComponentInfo>>;
  readonly unetConfig: UNet2DConditionConfig;
  /** The pipeline class's default guidance_scale (7.5 for Stable Diffusion, 8.5 for LatentConsistencyModelPipeline). */
  readonly defaultGuidanceScale: number;
  /** Things the user should know: components not run (the safety checker), a variant a component lacks. */
  readonly notes: readonly string[];
  /** The image size when none is asked for: the UNet's sample_size × the VAE's scale factor. */
  readonly defaultSize: { readonly height: number; readonly width: number } | undefined;
  /** Image height and width must be multiples of this: the VAE's scale factor × the UNet's downsampling. */
  readonly sizeMultiple: number;
  readonly latentChannels: number;
  readonly vaeScaleFactor: number;
  /** The tokenizer's length (model_max_length, 77). */
  readonly maxTokens: number;
  /** The text encoder's layer count, the fewest of SDXL's two (clip_skip must be below it). */
  readonly textEncoderLayers: number;
  tokenize(prompts: readonly string[]): TokenizedPrompts;
  /** The pipeline as the sampler's text-to-image model. */
  textToImageModel(options?: TextConditioningOptions): TextToImageModel;
  /**
   * The UNet alone on latents of `size`, conditioned on `rows` rows of zero text embeddings (the tokenizer's length ×
   * the cross-attention width; SDXL's pooled embeddings zero too, and the default size conditioning): the UNet call the pipeline makes, at the batch it makes it (2 × images with
   * guidance), for timing bare calls (bareRun, warmup). Its predictions are of no prompt. It shares the pipeline's
   * session: dispose the pipeline, not it.
   */
  zeroConditionedUNet(rows: number, size: LatentSize): OnnxDenoiser;
  dispose(): Promise<void>;
}

/**
 * Loads a text-to-image pipeline folder (StableDiffusionPipeline, located by locateDiffusersModel): builds the UNet,
 * the text encoder and the VAE decoder as ONNX graphs from their config.json + weights (the weights stay in their
 * files), creates their sessions and reads the tokenizer and the scheduler config.
 */
export async function loadPipeline(folder: PipelineFolder, reference: ResolvedModelReference, options: LoadPipelineOptions = {}): Promise<LoadedPipeline> {
  const { plan } = folder;
  const threads = options.threads;
  assertThreads(threads);
  const executionProvider = await resolveExecutionProvider(options.executionProvider ?? 'cpu');
  const settings = {
    executionProvider,
    ...(threads !== undefined ? { threads } : {}),
    ...(options.graphOptimizationLevel ? { graphOptimizationLevel: options.graphOptimizationLevel } : {}),
  };
  const build = { storage: 'external' as const, ...graphOptionsFor(executionProvider), ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}) };
  if (options.deepCache) assertDeepCacheOptions(options.deepCache);
  const spec = TEXT_TO_IMAGE_PIPELINES[plan.pipelineClass];
  const hashedPaths = pipelinePlanPaths(plan).map((f) => folder.path(f));
  const identities = await fileIdentities(hashedPaths);
  const sessions: { release(): Promise<void> }[] = [];
  try {
    const buildPart = async <C, S>(kind: ComponentKind<C, S>, component: WeightedComponentPlan, deepCacheBranch?: number) => {
      const files = { configPath: folder.path(component.config), weightsPath: folder.path(component.weights), weightsFormat: component.format };
      const started = performance.now();
      try {
        const built: BuiltComponent<C, S> = await buildComponent(kind, files, { ...build, ...(deepCacheBranch !== undefined ? { deepCacheBranch } : {}) });
        return { kind, component, files, built, buildMs: performance.now() - started };
      } catch (error) {
        throw asModelLoadError(error, folder.path(component.dir));
      }
    };
    type Part<C, S> = Awaited<ReturnType<typeof buildPart<C, S>>>;
    const open = async <C, S>(part: Part<C, S>, level?: GraphOptimizationLevel, spinning?: boolean) => {
      const sessionStarted = performance.now();
      const session = await createSession(part.built, folder.path(part.component.dir), { ...(level ? { graphOptimizationLevel: level } : {}), ...settings, ...(spinning === false ? { spinning } : {}) });
      sessions.push(session);
      const info: PipelineComponentInfo = {
        className: part.kind.className,
        ...part.files,
        weightsBytes: part.built.weightsBytes,
        parameterCount: part.built.parameterCount,
        buildMs: part.buildMs,
        onnxBytes: part.built.bytes.byteLength,
        sessionMs: performance.now() - sessionStarted,
      };
      return { built: part.built, session, info };
    };

    // Every graph is built (from configs and weight headers) and checked against the others before any session is
    // created, so that a folder that cannot run, or cannot fit, is refused in seconds.
    const unetPart = await buildPart(UNET_2D_CONDITION, plan.unet, options.deepCache ? (options.deepCache.branch ?? 0) : undefined);
    const unetConfig = unetPart.built.config;
    const added = unetConfig.additionEmbed;
    if (spec.promptEncoding === 'sd' && added !== undefined) {
      throw new ModelLoadError(
        folder.path(plan.unet.config),
        `addition_embed_type "${added.type}": an SDXL UNet, which needs pooled text_embeds and time_ids from StableDiffusionXLPipeline's two text encoders; ${plan.modelIndex} names ${plan.pipelineClass}`,
      );
    }
    if (spec.promptEncoding === 'sdxl' && added === undefined) {
      throw new ModelLoadError(folder.path(plan.unet.config), `${plan.pipelineClass} conditions the UNet on pooled text_embeds and time_ids, but this UNet has no addition_embed_type "text_time"`);
    }
    const encoderParts = [];
    for (const { encoder } of plan.textEncoders) encoderParts.push(await buildPart(CLIP_TEXT_MODEL, encoder));
    const vaePart = await buildPart(VAE_DECODER, plan.vae);
    const widths = encoderParts.map((p) => p.built.signature.hiddenSize);
    if (widths.reduce((a, b) => a + b, 0) !== unetConfig.crossAttentionDim) {
      throw new ModelLoadError(folder.root, `the text encoders' hidden size ${widths.join(' + ')} is not the UNet's cross_attention_dim ${unetConfig.crossAttentionDim}`);
    }
    const pooledWidth = encoderParts.at(-1)!.built.signature.projectionDim;
    if (added !== undefined && pooledWidth !== added.textEmbedsDim) {
      throw new ModelLoadError(
        folder.root,
        `text_encoder_2's projection_dim ${pooledWidth ?? '(none: a CLIPTextModel)'} is not the width the UNet's add_embedding takes for text_embeds (${added.textEmbedsDim} = projection_class_embeddings_input_dim − 6 × addition_time_embed_dim)`,
      );
    }
    if (vaePart.built.signature.latentChannels !== unetConfig.inChannels) {
      throw new ModelLoadError(folder.root, `the VAE's latent_channels ${vaePart.built.signature.latentChannels} is not the UNet's in_channels ${unetConfig.inChannels}`);
    }
    const componentName = (c: WeightedComponentPlan) => c.dir.slice(0, -1).split('/').at(-1)!;
    assertWeightsFitMemory(folder.root, [unetPart, ...encoderParts, vaePart].map((p) => ({ name: componentName(p.component), parameters: p.built.parameterCount })));

    const unet = await open(unetPart, UNET_OPTIMIZATION_LEVEL, options.deepCache ? false : undefined);
    let deepCache: DeepCacheSessions | undefined;
    if (options.deepCache && unetPart.built.shallow) {
      deepCache = await openDeepCacheSessions(unetPart.built.shallow, folder.path(plan.unet.dir), { ...settings, graphOptimizationLevel: options.graphOptimizationLevel ?? UNET_OPTIMIZATION_LEVEL }, options.deepCache);
      sessions.push(deepCache.shallow);
    }
    const encoderInfo: Record<string, PipelineComponentInfo> = {};
    const parts = [];
    for (const [i, { tokenizer }] of plan.textEncoders.entries()) {
      const loaded = await open(encoderParts[i]!);
      const { hiddenSize, layers, projectionDim } = loaded.built.signature;
      const dir = encoderParts[i]!.component.dir;
      encoderInfo[componentName(encoderParts[i]!.component)] = loaded.info;
      parts.push({ tokenizer: await readTokenizer(folder.path(tokenizer.dir)), session: new TextEncoderSession(loaded.session, { width: hiddenSize, layers, projectionDim }, folder.path(dir)) });
    }
    let prompts: PromptEncoder;
    try {
      prompts = new PromptEncoder(parts, spec.promptEncoding, plan.forceZerosForEmptyPrompt);
    } catch (error) {
      throw new ModelLoadError(folder.root, (error as Error).message, { cause: error });
    }
    const vae = await open(vaePart);
    const vaeSession = new VaeDecoderSession(vae.session, vae.built.signature.latentChannels, folder.path(plan.vae.dir));
    // The encoder is built on first use: only image-to-image runs need it.
    let encoder: Promise<VaeEncoderSession> | undefined;
    const vaeEncoder = () => (encoder ??= buildPart(VAE_ENCODER, plan.vae).then((part) => open(part)).then(({ session }) => new VaeEncoderSession(session, folder.path(plan.vae.dir))));
    const scalingFactor = vae.built.config.scalingFactor;
    const components = [plan.unet, plan.vae, ...plan.textEncoders.map((t) => t.encoder)];
    const [sha256, schedulerConfig] = await Promise.all([sha256File(...hashedPaths), readSchedulerConfig(folder.path(plan.schedulerConfig))]);
    await assertFilesUnchanged(hashedPaths, identities);
    const vaeScaleFactor = vae.built.signature.scaleFactor;
    const sampleSize = unetConfig.sampleSize;
    const adapter = executionProvider === 'webgpu' ? webGpuAdapter() : undefined;
    const unetPath = folder.path(plan.unet.dir);
    const notes = [
      ...(plan.unused.length > 0 ? [`${plan.modelIndex} also names ${plan.unused.join(', ')}; denoise does not run them (no safety checker)`] : []),
      ...components.filter((c) => c.variantMissing).map((c) => `${c.dir} has no ${c.variantMissing} variant; its ${c.weights.slice(c.dir.length)} is used`),
    ];
    const pipeline: LoadedPipeline = {
      kind: 'text-to-image',
      pipelineClass: plan.pipelineClass,
      modelPath: folder.root,
      sha256,
      schedulerConfigPath: folder.path(plan.schedulerConfig),
      schedulerConfig,
      executionProvider,
      ...(adapter ? { adapter } : {}),
      ...(reference.hub ? { hub: reference.hub } : {}),
      components: { unet: unet.info, vae: vae.info, ...encoderInfo },
      unetConfig,
      defaultGuidanceScale: spec.guidanceScale,
      notes,
      defaultSize: sampleSize ? { height: sampleSize[0] * vaeScaleFactor, width: sampleSize[1] * vaeScaleFactor } : undefined,
      sizeMultiple: vaeScaleFactor * unet.built.signature.sizeMultiple,
      latentChannels: unetConfig.inChannels,
      vaeScaleFactor,
      maxTokens: prompts.maxTokens,
      textEncoderLayers: prompts.layers,
      tokenize: (texts) => prompts.tokenize(texts),
      textToImageModel: (conditioning = {}) => {
        const clipSkip = conditioning.clipSkip;
        assertClipSkip(clipSkip, prompts.layers);
        return {
          latentChannels: unetConfig.inChannels,
          vaeScaleFactor,
          ...(unetConfig.timeCondProjDim !== undefined ? { guidanceEmbeddingDim: unetConfig.timeCondProjDim } : {}),
          encodePrompts: (texts, role) => prompts.encode(texts, role, clipSkip),
          denoiser: (unetConditioning, size) => conditionedUNet(unet.session, unetConfig, unetPath, unetConditioning, size, deepCache),
          decode: (latents, batch, size) => vaeSession.decode(latents, batch, size),
          encodeImage: async (image, size) => {
            const encoded = await (await vaeEncoder()).encode(image, { height: size.height * vaeScaleFactor, width: size.width * vaeScaleFactor });
            return { ...encoded, scalingFactor };
          },
        };
      },
      zeroConditionedUNet: (rows, size) => {
        if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be an integer ≥ 1, got ${rows}`);
        const tokens = prompts.maxTokens;
        const width = unetConfig.crossAttentionDim;
        const pooledWidth = prompts.pooledWidth;
        const text = { data: new Float32Array(rows * tokens * width), rows, tokens, width, ...(pooledWidth ? { pooled: { data: new Float32Array(rows * pooledWidth), width: pooledWidth } } : {}) };
        const pixels = [size.height * vaeScaleFactor, size.width * vaeScaleFactor] as const;
        return conditionedUNet(unet.session, unetConfig, unetPath, { text, sizes: { originalSize: pixels, cropTopLeft: [0, 0], targetSize: pixels } }, size, deepCache);
      },
      dispose: async () => {
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
    return pipeline;
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release()));
    throw error;
  }
}

async function readTokenizer(dir: string): Promise<ClipTokenizer> {
  try {
    return await readClipTokenizer(dir);
  } catch (error) {
    throw asModelLoadError(error, dir);
  }
}

/**
 * The UNet session as a Denoiser on latents of `size`, conditioned on the text rows (one per image) and what else the
 * UNet takes: for time_cond_proj_dim (LCM) the guidance embedding rows — zeros when none is given, which is exactly
 * diffusers' `timestep_cond=None`, as cond_proj has no bias — and for SDXL's text_time the pooled text_embeds and
 * time_ids = original_size + crop top-left + target_size, the same for every row.
 */
function conditionedUNet(session: ort.InferenceSession, config: UNet2DConditionConfig, path: string, conditioning: UNetConditioning, size: LatentSize, deepCache?: DeepCacheSessions): OnnxDenoiser {
  const { text, guidanceEmbedding, sizes } = conditioning;
  const condDim = config.timeCondProjDim;
  if (guidanceEmbedding && (condDim === undefined || guidanceEmbedding.length !== text.rows * condDim)) {
    throw new RangeError(`a guidance embedding of ${guidanceEmbedding.length} values for ${text.rows} rows; the UNet's time_cond_proj_dim is ${condDim ?? 'unset'}`);
  }
  const added = config.additionEmbed;
  if (added && text.pooled?.width !== added.textEmbedsDim) {
    throw new RangeError(`the UNet's text_time embedding takes pooled text_embeds of width ${added.textEmbedsDim}; the text rows carry ${text.pooled ? `width ${text.pooled.width}` : 'none'}`);
  }
  const signature: ModelSignature = {
    sampleInput: 'sample',
    sampleDtype: 'float32',
    channels: config.inChannels,
    height: size.height,
    width: size.width,
    timestepInput: 'timestep',
    timestepDtype: 'float32',
    timestepLayout: 'per-item',
    output: 'out_sample',
    outputDtype: 'float32',
    outputChannels: config.outChannels,
    conditioning: [
      { name: 'encoder_hidden_states', rowShape: ['tokens', config.crossAttentionDim] },
      ...(condDim !== undefined ? [{ name: 'timestep_cond', rowShape: [condDim] }] : []),
      ...(added ? [{ name: 'text_embeds', rowShape: [added.textEmbedsDim] }, { name: 'time_ids', rowShape: [TEXT_TIME_IDS] }] : []),
    ],
  };
  const timeIds = [...sizes.originalSize, ...sizes.cropTopLeft, ...sizes.targetSize];
  return new SessionDenoiser(session, signature, path, { deepCache }).conditionedOn(text.rows, [
    { name: 'encoder_hidden_states', data: text.data, rowDims: [text.tokens, text.width] },
    ...(condDim !== undefined ? [{ name: 'timestep_cond', data: guidanceEmbedding ?? new Float32Array(text.rows * condDim), rowDims: [condDim] }] : []),
    ...(added
      ? [
          { name: 'text_embeds', data: text.pooled!.data, rowDims: [added.textEmbedsDim] },
          { name: 'time_ids', data: Float32Array.from({ length: text.rows * TEXT_TIME_IDS }, (_, i) => timeIds[i % TEXT_TIME_IDS]!), rowDims: [TEXT_TIME_IDS] },
        ]
      : []),
  ]);
}
