/**
 * Which files of a repository (or folder) a text-to-image pipeline needs, decided from its file list and
 * model_index.json, as diffusers' DiffusionPipeline.from_pretrained would load it: per component its config and one
 * weights file (safetensors before `.bin`; with a variant, `<stem>.<variant>.*` where the component has one; a sharded
 * checkpoint's index and shards), the tokenizer's files and the scheduler config. Nothing else is fetched.
 */
import { cut, quote } from './config-reader.js';
import { ModelFilePlanError } from './file-plan-error.js';

const SD_COMPONENTS = { unet: 'UNet2DConditionModel', vae: 'AutoencoderKL', text_encoder: 'CLIPTextModel', tokenizer: 'CLIPTokenizer' } as const;
const SD_TEXT_ENCODERS = [{ encoder: 'text_encoder', tokenizer: 'tokenizer' }] as const;

/**
 * How a pipeline class turns its text encoders' outputs into the UNet's text conditioning: 'sd' the one encoder's
 * last hidden state; 'sdxl' the penultimate hidden states of every encoder side by side plus the last one's pooled
 * projection, and model_index.json's force_zeros_for_empty_prompt (the runtime's PromptEncoder says exactly how).
 */
export type PromptEncoding = 'sd' | 'sdxl';

interface PipelineSpec {
  readonly components: Readonly<Record<string, string>>;
  readonly textEncoders: readonly { readonly encoder: string; readonly tokenizer: string }[];
  readonly promptEncoding: PromptEncoding;
  readonly guidanceScale: number;
}

/**
 * The text-to-image pipelines denoise runs: the class each of their components must be, their text encoders in the
 * order their hidden states are concatenated (each with its tokenizer), how prompts are encoded, and the `__call__`
 * default guidance_scale.
 */
export const TEXT_TO_IMAGE_PIPELINES = {
  StableDiffusionPipeline: { components: SD_COMPONENTS, textEncoders: SD_TEXT_ENCODERS, promptEncoding: 'sd', guidanceScale: 7.5 },
  // The same checkpoint layout, saved from the image-to-image pipeline.
  StableDiffusionImg2ImgPipeline: { components: SD_COMPONENTS, textEncoders: SD_TEXT_ENCODERS, promptEncoding: 'sd', guidanceScale: 7.5 },
  // LCM_Dreamshaper_v7 and LCM-distilled SD 1.5 checkpoints: the SD layout, a UNet with time_cond_proj_dim.
  LatentConsistencyModelPipeline: { components: SD_COMPONENTS, textEncoders: SD_TEXT_ENCODERS, promptEncoding: 'sd', guidanceScale: 8.5 },
  // SDXL base and its fine-tunes, SDXL-Turbo: two text encoders, the second with the pooled projection.
  StableDiffusionXLPipeline: {
    components: { ...SD_COMPONENTS, text_encoder_2: 'CLIPTextModelWithProjection', tokenizer_2: 'CLIPTokenizer' },
    textEncoders: [...SD_TEXT_ENCODERS, { encoder: 'text_encoder_2', tokenizer: 'tokenizer_2' }],
    promptEncoding: 'sdxl',
    guidanceScale: 5,
  },
} as const satisfies Record<string, PipelineSpec>;

export type TextToImagePipelineClass = keyof typeof TEXT_TO_IMAGE_PIPELINES;

/** Components of a model_index.json that a text-to-image run does not use: never fetched, listed in a note. */
const UNUSED_COMPONENTS = ['safety_checker', 'feature_extractor', 'image_encoder'];

/** One weighted component: its folder, config and weights (one file, or a sharded index and its shards). */
export interface WeightedComponentPlan {
  /** The component folder, '/'-terminated (e.g. 'unet/'). */
  readonly dir: string;
  readonly config: string;
  /** The weights file, or a sharded checkpoint's `*.index.json`. */
  readonly weights: string;
  readonly format: 'safetensors' | 'torch-bin';
  /** A sharded checkpoint's shard files (each listed once), or empty. */
  readonly shards: readonly string[];
  /** Set when a variant was asked for but this component has none, so its plain weights are used. */
  readonly variantMissing?: string;
}

export interface TokenizerPlan {
  readonly dir: string;
  readonly vocab: string;
  readonly merges: string;
  readonly tokenizerConfig?: string;
  readonly specialTokensMap?: string;
}

/** One text encoder of a pipeline and the tokenizer that feeds it. */
export interface TextEncoderPlan {
  readonly encoder: WeightedComponentPlan;
  readonly tokenizer: TokenizerPlan;
}

export interface PipelineFilePlan {
  readonly pipelineClass: TextToImagePipelineClass;
  readonly modelIndex: string;
  readonly unet: WeightedComponentPlan;
  readonly vae: WeightedComponentPlan;
  /** One (Stable Diffusion) or two (SDXL), in the order their hidden states are concatenated. */
  readonly textEncoders: readonly TextEncoderPlan[];
  readonly schedulerConfig: string;
  /** SDXL's force_zeros_for_empty_prompt (default true): no negative prompt means zero unconditional rows. */
  readonly forceZerosForEmptyPrompt: boolean;
  /** Components model_index.json names that are not run (the safety checker, …). */
  readonly unused: readonly string[];
}

/** The text-to-image pipeline class of a model_index.json, or undefined when it names another pipeline. */
export function textToImagePipelineClass(index: unknown): TextToImagePipelineClass | undefined {
  const name = (index as { _class_name?: unknown } | null)?._class_name;
  return typeof name === 'string' && Object.hasOwn(TEXT_TO_IMAGE_PIPELINES, name) ? (name as TextToImagePipelineClass) : undefined;
}

/**
 * `files`: every file path of the folder or repository ('/'-separated, relative to it); `prefix` the subfolder holding
 * model_index.json ('' or 'sub/'). `readJson` reads a listed file (model_index.json is already read: `index`), for
 * sharded checkpoints' index files.
 */
export async function planPipelineFiles(
  files: readonly string[],
  index: Record<string, unknown>,
  options: { readonly prefix: string; readonly variant?: string; readonly readJson: (path: string) => Promise<unknown> },
): Promise<PipelineFilePlan> {
  const { prefix } = options;
  const modelIndex = `${prefix}model_index.json`;
  const pipelineClass = textToImagePipelineClass(index);
  if (!pipelineClass) throw new ModelFilePlanError(`${modelIndex}: ${named(index['_class_name'])} is not a text-to-image pipeline denoise runs`);
  const expected = TEXT_TO_IMAGE_PIPELINES[pipelineClass].components;
  for (const [name, cls] of Object.entries(expected)) {
    const entry = index[name];
    if (!Array.isArray(entry) || entry[1] !== cls) {
      const found = !Array.isArray(entry) ? 'missing' : typeof entry[1] === 'string' ? `a ${cut(entry[1])}` : quote(entry[1]);
      throw new ModelFilePlanError(`${modelIndex}: ${pipelineClass} needs a '${name}' component of class ${cls}; it is ${found}`);
    }
  }
  const has = (path: string) => files.includes(path);
  const weighted = (name: string, stems: WeightsStems) =>
    planWeightedComponent(files, `${prefix}${name}/`, stems, { readJson: options.readJson, ...(options.variant ? { variant: options.variant, variantFallback: true } : {}) }, modelIndex);
  const tokenizerPlan = (name: string): TokenizerPlan => {
    const dir = `${prefix}${name}/`;
    for (const file of ['vocab.json', 'merges.txt']) {
      if (!has(`${dir}${file}`)) throw new ModelFilePlanError(`${modelIndex} names a CLIPTokenizer '${name}', but ${dir}${file} does not exist`);
    }
    const optional = (file: string) => (has(`${dir}${file}`) ? `${dir}${file}` : undefined);
    const tokenizerConfig = optional('tokenizer_config.json');
    const specialTokensMap = optional('special_tokens_map.json');
    return {
      dir,
      vocab: `${dir}vocab.json`,
      merges: `${dir}merges.txt`,
      ...(tokenizerConfig ? { tokenizerConfig } : {}),
      ...(specialTokensMap ? { specialTokensMap } : {}),
    };
  };
  const schedulerConfig = `${prefix}scheduler/scheduler_config.json`;
  if (!has(schedulerConfig)) throw new ModelFilePlanError(`${modelIndex} names a scheduler, but ${schedulerConfig} does not exist`);
  const spec = TEXT_TO_IMAGE_PIPELINES[pipelineClass];
  const textEncoders: TextEncoderPlan[] = [];
  for (const names of spec.textEncoders) textEncoders.push({ encoder: await weighted(names.encoder, 'transformers'), tokenizer: tokenizerPlan(names.tokenizer) });
  const forceZeros = index['force_zeros_for_empty_prompt'];
  if (forceZeros !== undefined && typeof forceZeros !== 'boolean') throw new ModelFilePlanError(`${modelIndex}: force_zeros_for_empty_prompt must be true or false, got ${quote(forceZeros)}`);
  return {
    pipelineClass,
    modelIndex,
    unet: await weighted('unet', 'diffusers'),
    vae: await weighted('vae', 'diffusers'),
    textEncoders,
    schedulerConfig,
    forceZerosForEmptyPrompt: spec.promptEncoding === 'sdxl' && forceZeros !== false,
    unused: UNUSED_COMPONENTS.filter((name) => Array.isArray(index[name]) && index[name][0] !== null),
  };
}

/**
 * A class name for a message: a string as it is (cut short), any other JSON value quoted. Never String(): it throws
 * on an object with a "toString" key, and on an array nested deeper than the stack.
 */
const named = (value: unknown): string => (typeof value === 'string' ? cut(value) : quote(value));

/** Which weights file names a component's library saves: diffusers' models or transformers' models. */
export type WeightsStems = 'diffusers' | 'transformers';

const STEMS: Readonly<Record<WeightsStems, readonly { readonly stem: string; readonly ext: 'safetensors' | 'bin' }[]>> = {
  diffusers: [
    { stem: 'diffusion_pytorch_model', ext: 'safetensors' },
    { stem: 'diffusion_pytorch_model', ext: 'bin' },
  ],
  transformers: [
    { stem: 'model', ext: 'safetensors' },
    { stem: 'pytorch_model', ext: 'bin' },
  ],
};

/**
 * One component's config and weights in folder `dir` ('' or '…/'), as from_pretrained picks them: safetensors before
 * `.bin`, a sharded safetensors index when there is no single file; with a variant its `<stem>.<variant>.*` file —
 * and, with `variantFallback` (a pipeline, as DiffusionPipeline loads components that lack the variant), the plain
 * file when the component has none, reported in `variantMissing`. `source` names the asking file in errors.
 */
export async function planWeightedComponent(
  files: readonly string[],
  dir: string,
  stems: WeightsStems,
  options: { readonly variant?: string; readonly variantFallback?: boolean; readonly readJson: (path: string) => Promise<unknown> },
  source = dir || 'the folder',
): Promise<WeightedComponentPlan> {
  const has = (path: string) => files.includes(path);
  const where = dir || 'the folder';
  if (!has(`${dir}config.json`)) throw new ModelFilePlanError(`${where} has no config.json${source !== where ? ` (${source} names it as a component)` : ''}`);
  const pick = (variant: string | undefined) => {
    for (const { stem, ext } of STEMS[stems]) {
      const base = `${dir}${stem}${variant ? `.${variant}` : ''}.${ext}`;
      if (has(base)) return { weights: base, sharded: false, ext };
      if (ext === 'safetensors' && has(`${base}.index.json`)) return { weights: `${base}.index.json`, sharded: true, ext };
    }
    return undefined;
  };
  const chosen = pick(options.variant) ?? (options.variant && options.variantFallback ? pick(undefined) : undefined);
  if (!chosen) {
    const present = files.filter((f) => f.startsWith(dir) && !f.slice(dir.length).includes('/') && /\.(safetensors|bin)(\.index\.json)?$/.test(f)).map((f) => f.slice(dir.length));
    const wanted = STEMS[stems].map(({ stem, ext }) => `${stem}${options.variant ? `.${options.variant}` : ''}.${ext}`).join(' or ');
    const hint = present.length ? `; weights files here: ${present.join(', ')}${options.variant ? '' : ' (pass a variant such as fp16)'}` : '';
    throw new ModelFilePlanError(`${where} has no ${wanted}${hint}`);
  }
  const shards = chosen.sharded ? await shardFiles(chosen.weights, dir, options.readJson, has) : [];
  const variantMissing = options.variant && !chosen.weights.includes(`.${options.variant}.`) ? options.variant : undefined;
  return {
    dir,
    config: `${dir}config.json`,
    weights: chosen.weights,
    format: chosen.ext === 'bin' ? 'torch-bin' : 'safetensors',
    shards,
    ...(variantMissing ? { variantMissing } : {}),
  };
}

/** Every file a pipeline plan names, model_index.json first. */
export function pipelinePlanPaths(plan: PipelineFilePlan): string[] {
  const component = (c: WeightedComponentPlan) => [c.config, c.weights, ...c.shards];
  const tokenizer = (t: TokenizerPlan) => [t.vocab, t.merges, ...(t.tokenizerConfig ? [t.tokenizerConfig] : []), ...(t.specialTokensMap ? [t.specialTokensMap] : [])];
  return [
    plan.modelIndex,
    ...component(plan.unet),
    ...component(plan.vae),
    ...plan.textEncoders.flatMap((t) => [...component(t.encoder), ...tokenizer(t.tokenizer)]),
    plan.schedulerConfig,
  ];
}

/** The shard files a sharded checkpoint's index names (its weight_map values), each of which must exist. */
async function shardFiles(indexPath: string, dir: string, readJson: (path: string) => Promise<unknown>, has: (path: string) => boolean): Promise<string[]> {
  const index = (await readJson(indexPath)) as { weight_map?: unknown } | null;
  const map = index?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ModelFilePlanError(`${indexPath}: no "weight_map" object`);
  const shards = [...new Set(Object.values(map))];
  for (const shard of shards) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      throw new ModelFilePlanError(`${indexPath}: weight_map names ${quote(shard)}, not a file beside the index`);
    }
    if (!has(`${dir}${shard}`)) throw new ModelFilePlanError(`${indexPath} names the shard ${quote(shard)}, which does not exist`);
  }
  return shards.map((s) => `${dir}${s as string}`);
}
