import { Command, InvalidArgumentError, Option } from 'commander';
import { finiteNumber, integerOption, MAX_THREADS, nonNegativeNumber, threadCount } from '@denoise/cli-options';
import { DEFAULT_STEPS, GENERATOR_KINDS, SAMPLER_CLASSES, SAMPLER_KINDS, type GeneratorKind, type SamplerKind } from '@denoise/sampler';
import { embeddedModelPath } from '@denoise/repo-layout';
import {
  DEEP_CACHE_SCHEDULES,
  EXECUTION_PROVIDER_CHOICES,
  GRAPH_OPTIMIZATION_LEVELS,
  INT8_CALIBRATION_METHODS,
  LOAD_PRECISIONS,
  parseClassLabelList,
  type DeepCacheOptions,
  type ExecutionProviderChoice,
  type GraphOptimizationLevel,
  type Int8CalibrationMethod,
  type LoadPrecision,
} from '@denoise/runtime';

export interface SampleCommand {
  readonly model: string;
  readonly schedulerConfig?: string;
  /** Absent: the config's `_class_name` when it names a fast sampler, else ddim (see defaultSamplerFor). */
  readonly sampler?: SamplerKind;
  /** Absent: DEFAULT_STEPS of the sampler. */
  readonly steps?: number;
  /** Absent: the config's `eta` (DDIM only). */
  readonly eta?: number;
  readonly spacing?: 'leading' | 'trailing' | 'linspace';
  readonly prevTimestep?: 'diffusers' | 'schedule';
  /** LCM: the length of the distillation schedule its timesteps are taken from (original_inference_steps). */
  readonly originalSteps?: number;
  readonly seed: number;
  /** One generator per image, seeded imageSeed(seed, firstImage + i), instead of one for the batch. */
  readonly perImageSeeds: boolean;
  /** With perImageSeeds: the run index of the batch's first image (to regenerate images of a bench sweep). */
  readonly firstImage?: number;
  readonly noise?: string;
  readonly generator: GeneratorKind;
  readonly batch: number;
  /** Whether --batch was given on the command line (it is refused with --noise, whose shape sets the batch). */
  readonly batchGiven: boolean;
  readonly out: string;
  readonly grid: boolean;
  readonly outNpy?: string;
  readonly trace?: string;
  readonly ep: ExecutionProviderChoice;
  readonly threads?: number;
  readonly graphOptimization?: GraphOptimizationLevel;
  /** --deepcache N with its --deepcache-branch and --deepcache-schedule. */
  readonly deepCache?: DeepCacheOptions;
  readonly precision?: LoadPrecision;
  /** --int8-calibration: how precision int8 measures its activation ranges. */
  readonly int8Calibration?: Int8CalibrationMethod;
  readonly height?: number;
  readonly width?: number;
  /** One class label for the whole batch, or one per image. */
  readonly classLabels?: readonly number[];
  readonly variant?: string;
  readonly verifyCache: boolean;
  readonly version: boolean;
  /** Text-to-image pipelines: the prompts (one or more); each makes `imagesPerPrompt` images. */
  readonly prompts?: readonly string[];
  /** One negative prompt for every prompt, or one per prompt; absent: none (diffusers' negative_prompt=None). */
  readonly negativePrompts?: readonly string[];
  /** Absent: the pipeline class's default (7.5 for StableDiffusionPipeline). */
  readonly guidanceScale?: number;
  readonly guidanceRescale?: number;
  readonly imagesPerPrompt?: number;
  readonly clipSkip?: number;
  /** SDXL's size conditioning, (height, width) or (top, left) in pixels. */
  readonly originalSize?: readonly [number, number];
  readonly cropTopLeft?: readonly [number, number];
  readonly targetSize?: readonly [number, number];
  /** Image-to-image: a PNG to start from, and how much of the plan to run on it (diffusers' strength). */
  readonly initImage?: string;
  readonly strength?: number;
  /** Also write the final latents (before the VAE) as float32 NCHW .npy. */
  readonly outLatents?: string;
  readonly json: boolean;
  readonly listProviders: boolean;
}

/**
 * The options exactly as commander produces them from buildSampleProgram: the command's own fields, except that
 * --class-label arrives as `classLabel` and `batchGiven` is derived; readSampleCommand turns them into a SampleCommand.
 */
type RawSampleOptions = Omit<SampleCommand, 'classLabels' | 'batchGiven' | 'prompts' | 'negativePrompts' | 'deepCache'> & {
  readonly deepcache?: number;
  readonly deepcacheBranch?: number;
  readonly deepcacheSchedule?: DeepCacheOptions['schedule'];
  readonly classLabel?: number[];
  readonly prompt?: string[];
  readonly negativePrompt?: string[];
};

const unitInterval = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a number in [0, 1], got '${value}'`);
  return n;
};

/** A pair of integers ≥ 0, 'A,B' (SDXL's size conditioning: height,width or top,left). */
const integerPair =
  (what: string) =>
  (value: string): [number, number] => {
    const parts = value.split(',');
    const n = parts.map(Number);
    if (parts.length !== 2 || parts.some((p) => !/^\s*\d+\s*$/.test(p)) || !n.every(Number.isSafeInteger)) {
      throw new InvalidArgumentError(`expected ${what} as two integers ≥ 0, e.g. 1024,1024; got '${value}'`);
    }
    return [n[0]!, n[1]!];
  };

/** Repeatable text options: every occurrence is kept, in order. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const classLabelList = (value: string): number[] => {
  try {
    return parseClassLabelList(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const samplerList = (): string =>
  SAMPLER_KINDS.map((kind) => `${kind} (${SAMPLER_CLASSES[kind]})`).join(', ');
const defaultStepsList = (): string =>
  SAMPLER_KINDS.map((kind) => `${DEFAULT_STEPS[kind]} for ${kind}`).join(', ');

export function buildSampleProgram(): Command {
  return new Command('denoise sample')
    .description(
      'Generate images with a diffusion model and its diffusers scheduler config: an unconditional UNet (diffusers\n' +
        'UNet2DModel or ONNX), or a Stable Diffusion pipeline from a prompt (text encoder, UNet, VAE, classifier-free\n' +
        'guidance). Writes one PNG per image (with provenance in PNG text chunks) into --out.',
    )
    .addOption(
      new Option(
        '--model <dir|file>',
        'a Stable Diffusion pipeline folder (model_index.json naming StableDiffusionPipeline, LatentConsistencyModelPipeline or StableDiffusionXLPipeline), a diffusers UNet2DModel folder (config.json + safetensors/.bin) or pipeline folder (model_index.json + unet/ + scheduler/), a folder with model.onnx (+ scheduler_config.json), an .onnx file, hf:OWNER/NAME[@REV][/SUB] or synthetic:NAME',
      ).default(embeddedModelPath(), 'the embedded Fashion-MNIST UNet'),
    )
    .option('--scheduler-config <file>', 'scheduler_config.json to use instead of the one found with the model')
    .addOption(new Option('--sampler <kind>', `sampling algorithm, one per diffusers scheduler class: ${samplerList()} (default: the scheduler config's _class_name when it is one of the fast samplers, else ddim)`).choices(SAMPLER_KINDS))
    .addOption(new Option('--steps <n>', `inference steps (default: ${defaultStepsList()}); Heun calls the model 2·n − 1 times, PNDM n + 9 (n + 1 with skip_prk_steps); LCM takes at most the config's original_inference_steps (50)`).argParser(integerOption(1)))
    .addOption(new Option('--eta <x>', "DDIM η: 0 is deterministic, 1 is DDPM-like (default: the config's eta, else 0)").argParser(nonNegativeNumber))
    .addOption(new Option('--spacing <s>', "timestep spacing (overrides the config's timestep_spacing; not for lcm, whose timesteps come from original_inference_steps)").choices(['leading', 'trailing', 'linspace']))
    .addOption(new Option('--original-steps <n>', "lcm: original_inference_steps, the distillation schedule its timesteps are picked from (default: the config's, 50)").argParser(integerOption(1)))
    .addOption(new Option('--prev-timestep <policy>', "DDIM's and PNDM's previous timestep: 'diffusers' (t − N/S, as diffusers) or 'schedule' (the next planned t)").choices(['diffusers', 'schedule']))
    .addOption(new Option('--seed <n>', 'seed of the noise generator: x_T, then the per-step noise of DDPM, DDIM with η > 0, Euler ancestral, DPM-Solver SDE and LCM (with --noise, the step noise starts at this seed: do not reuse the seed that made the file)').argParser(integerOption(0)).default(0))
    .option('--per-image-seeds', 'one generator per image, as diffusers with a list of generators: image i uses seed imageSeed(--seed, i) (README: Seeds), so it is the same whatever the batch; the bench draws every image this way', false)
    .addOption(new Option('--first-image <k>', 'with --per-image-seeds: the batch is images k … k + batch − 1 of the run (e.g. to regenerate image k of a bench sweep)').argParser(integerOption(0)))
    .option('--noise <file.npy>', 'x_T exactly, float32 NCHW .npy, unit variance (its shape sets the batch and image size; for a text-to-image pipeline, the initial latents [N, 4, H/8, W/8])')
    .addOption(new Option('--height <px>', "image height, for models whose size is not fixed (default: the config's sample_size; Stable Diffusion: the UNet's sample_size × 8)").argParser(integerOption(1)))
    .addOption(new Option('--width <px>', "image width, for models whose size is not fixed (default: the config's sample_size; Stable Diffusion: the UNet's sample_size × 8)").argParser(integerOption(1)))
    .addOption(new Option('--class-label <n[,n…]>', 'class label of a class-conditional model: one for every image, or a comma list with one per image').argParser(classLabelList))
    .option('--variant <name>', 'diffusers weights variant, e.g. fp16 for diffusion_pytorch_model.fp16.safetensors (computed in float32); a pipeline component without it uses its plain weights, with a note')
    .option('--verify-cache', 'hf: models: re-hash every cached file the model uses against the hub\'s sha256 / git blob id before trusting it (a mismatch is fetched again; offline it is an error)', false)
    .option('--prompt <text>', 'text-to-image pipelines (Stable Diffusion): the prompt; repeat it for several prompts', collect)
    .option('--negative-prompt <text>', "what to steer away from, with classifier-free guidance: one for every prompt, or one per --prompt (default: '')", collect)
    .addOption(new Option('--guidance-scale <w>', "classifier-free guidance scale; guidance runs when it is > 1; a latent consistency model (LCM) takes w = scale − 1 as its guidance embedding instead (default: the pipeline's, as diffusers: 7.5 for Stable Diffusion, 5 for SDXL, 8.5 for LCM)").argParser(finiteNumber))
    .addOption(new Option('--guidance-rescale <phi>', 'rescale the guided prediction toward the prompt-only one\'s standard deviation (Lin et al. 2023), 0 … 1 (default: 0)').argParser(unitInterval))
    .addOption(new Option('--images-per-prompt <n>', 'images per prompt (diffusers num_images_per_prompt; default 1)').argParser(integerOption(1)))
    .addOption(new Option('--original-size <h,w>', "SDXL's size conditioning: the size the training image had, in pixels (default: the image's size)").argParser(integerPair('height,width')))
    .addOption(new Option('--crop-top-left <top,left>', "SDXL's size conditioning: where the training image was cropped (default: 0,0)").argParser(integerPair('top,left')))
    .addOption(new Option('--target-size <h,w>', "SDXL's size conditioning: the size asked for, in pixels (default: the image's size)").argParser(integerPair('height,width')))
    .addOption(new Option('--clip-skip <k>', 'condition on the text encoder layer k before the last, with its final norm (diffusers clip_skip)').argParser(integerOption(0)))
    .option('--init-image <png>', "image-to-image (StableDiffusionImg2ImgPipeline): start from this PNG, encoded by the VAE; its size is the output's and must be a multiple of the pipeline's size multiple (8 for SD)")
    .addOption(new Option('--strength <s>', 'with --init-image: the share of the steps run on it, 0 … 1 (1: full noise, the image barely shows; default 0.8, as diffusers)').argParser(unitInterval))
    .option('--out-latents <file>', 'text-to-image: also write the final latents (before the VAE decoder) as float32 NCHW .npy')
    .addOption(new Option('--generator <kind>', 'seeded Gaussian stream: torch = torch.manual_seed compatible, philox = counter-based').choices(GENERATOR_KINDS).default('torch'))
    .addOption(new Option('--batch <n>', 'images to generate from an unconditional model (refused with --noise, whose first dimension is the batch; a text-to-image pipeline makes --images-per-prompt per --prompt)').argParser(integerOption(1)).default(16))
    .option('--out <dir>', 'output folder for the PNGs (created if missing); sample-NNN.png files there beyond this batch, left by an earlier larger batch, are removed when the new outputs are in place', 'out/samples')
    .option('--grid', 'also write grid.png with the whole batch', false)
    .option('--out-npy <file>', "also write the raw float32 result as .npy (its folder is created if missing): x_0 as NCHW; for a text-to-image pipeline the decoded images as diffusers' output_type='np' gives them, NHWC in [0, 1]")
    .option('--trace <dir>', 'write x_t and pred_x0 of every step as .npy files into this folder')
    .addOption(new Option('--ep <provider>', 'onnxruntime execution provider (auto = best usable, reported)').choices(EXECUTION_PROVIDER_CHOICES).default('cpu'))
    .addOption(new Option('--threads <n>', `onnxruntime intra-op threads, at most ${MAX_THREADS} (4 per core) (default: one per core)`).argParser(threadCount))
    .addOption(
      new Option('--graph-optimization <level>', "onnxruntime graph optimization level (default: all; a pipeline's UNet defaults to extended: 'all' makes its session 4× slower to create for 7 % faster calls)").choices(GRAPH_OPTIMIZATION_LEVELS),
    )
    .addOption(new Option('--deepcache <n>', 'DeepCache (Ma et al. 2024): one full UNet call in n, the calls between rerun only the shallow layers on the last full call\'s deep feature (diffusers folders; n ≥ 2)').argParser(integerOption(2)))
    .addOption(new Option('--deepcache-branch <k>', 'with --deepcache: the skip connection the UNet is cut at, 0 (default, the shallowest: DeepCache\'s cache_branch_id) … the model\'s deepest (the error names it)').argParser(integerOption(0)))
    .addOption(new Option('--deepcache-schedule <kind>', "with --deepcache: which calls are full: uniform (0, n, 2n, …; default) or quadratic (DeepCache's non-uniform spacing, densest near 30 % of the run)").choices(DEEP_CACHE_SCHEDULES))
    .addOption(new Option('--precision <p>', "float32 (default) or int8: a diffusers UNet2DModel folder's convolutions in int8 (static, per-channel weights; activation ranges calibrated on the model's own sampling runs once, then cached; CPU)").choices(LOAD_PRECISIONS))
    .addOption(new Option('--int8-calibration <method>', 'with --precision int8: percentile (default: the 0.01th … 99.99th percentile of each call) or minmax').choices(INT8_CALIBRATION_METHODS))
    .option('--json', 'print a machine-readable summary on stdout', false)
    .option('--list-providers', 'list the execution providers usable here and exit', false)
    .option('-V, --version', "print denoise's version and the commit it was built from, and exit", false)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failure while sampling or writing, 2 bad usage or unusable input (options, output paths, model,\n' +
        '  scheduler config, noise file), 130 interrupted by SIGINT, 143 terminated by SIGTERM.\n' +
        'Outputs: every path is checked before the model is loaded; all files are written under temporary names and\n' +
        '  renamed into place together once every one is ready, so a failed or interrupted run leaves none of them\n' +
        '  (after SIGKILL, which no program can catch, the next run into the same folder removes what it left).\n' +
        '  A second run into an output that a live run is writing is refused (exit 2), naming that run.\n' +
        'Examples:\n  pnpm sample -- --steps 20 --grid\n  pnpm sample -- --sampler dpm-solver --steps 20 --grid\n  pnpm sample -- --sampler ddpm --batch 4 --seed 7 --out out/ddpm\n' +
          '  pnpm sample -- --model path/to/ddpm-cifar10-32 --steps 10 --seed 0 --grid\n' +
          '  pnpm sample -- --model path/to/stable-diffusion-v1-5 --prompt "a red bicycle" --sampler dpm-solver --steps 20\n' +
          '  pnpm sample -- --per-image-seeds --first-image 537 --batch 1 --steps 50   (image 537 of a bench sweep with seed 0)\n',
    )
    .exitOverride()
    .showSuggestionAfterError();
}

export function readSampleCommand(program: Command): SampleCommand {
  const o = program.opts<RawSampleOptions>();
  return {
    model: o.model,
    ...(o.schedulerConfig !== undefined ? { schedulerConfig: o.schedulerConfig } : {}),
    ...(o.sampler !== undefined ? { sampler: o.sampler } : {}),
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    ...(o.eta !== undefined ? { eta: o.eta } : {}),
    ...(o.spacing !== undefined ? { spacing: o.spacing } : {}),
    ...(o.prevTimestep !== undefined ? { prevTimestep: o.prevTimestep } : {}),
    ...(o.originalSteps !== undefined ? { originalSteps: o.originalSteps } : {}),
    seed: o.seed,
    perImageSeeds: o.perImageSeeds,
    ...(o.firstImage !== undefined ? { firstImage: o.firstImage } : {}),
    ...(o.noise !== undefined ? { noise: o.noise } : {}),
    generator: o.generator,
    batch: o.batch,
    batchGiven: program.getOptionValueSource('batch') === 'cli',
    out: o.out,
    grid: o.grid,
    ...(o.outNpy !== undefined ? { outNpy: o.outNpy } : {}),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    ep: o.ep,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.graphOptimization !== undefined ? { graphOptimization: o.graphOptimization } : {}),
    ...deepCacheOf(o, program),
    ...(o.precision !== undefined ? { precision: o.precision } : {}),
    ...(o.int8Calibration !== undefined ? { int8Calibration: o.int8Calibration } : {}),
    ...(o.height !== undefined ? { height: o.height } : {}),
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.classLabel !== undefined ? { classLabels: o.classLabel } : {}),
    ...(o.variant !== undefined ? { variant: o.variant } : {}),
    verifyCache: o.verifyCache,
    version: o.version,
    ...(o.prompt !== undefined ? { prompts: o.prompt } : {}),
    ...(o.negativePrompt !== undefined ? { negativePrompts: o.negativePrompt } : {}),
    ...(o.guidanceScale !== undefined ? { guidanceScale: o.guidanceScale } : {}),
    ...(o.guidanceRescale !== undefined ? { guidanceRescale: o.guidanceRescale } : {}),
    ...(o.imagesPerPrompt !== undefined ? { imagesPerPrompt: o.imagesPerPrompt } : {}),
    ...(o.clipSkip !== undefined ? { clipSkip: o.clipSkip } : {}),
    ...(o.originalSize !== undefined ? { originalSize: o.originalSize } : {}),
    ...(o.cropTopLeft !== undefined ? { cropTopLeft: o.cropTopLeft } : {}),
    ...(o.targetSize !== undefined ? { targetSize: o.targetSize } : {}),
    ...(o.initImage !== undefined ? { initImage: o.initImage } : {}),
    ...(o.strength !== undefined ? { strength: o.strength } : {}),
    ...(o.outLatents !== undefined ? { outLatents: o.outLatents } : {}),
    json: o.json,
    listProviders: o.listProviders,
  };
}

/** --deepcache and the flags that only apply with it (refused without it); --int8-calibration without --precision int8 is refused here too. */
function deepCacheOf(o: Pick<RawSampleOptions, 'deepcache' | 'deepcacheBranch' | 'deepcacheSchedule' | 'precision' | 'int8Calibration'>, program: Command): { deepCache?: DeepCacheOptions } {
  if (o.int8Calibration !== undefined && o.precision !== 'int8') program.error('error: --int8-calibration applies with --precision int8 only', { exitCode: 2 });
  if (o.deepcache === undefined) {
    const stray = o.deepcacheBranch !== undefined ? '--deepcache-branch' : o.deepcacheSchedule !== undefined ? '--deepcache-schedule' : undefined;
    if (stray) program.error(`error: ${stray} applies with --deepcache N only`, { exitCode: 2 });
    return {};
  }
  return {
    deepCache: {
      interval: o.deepcache,
      ...(o.deepcacheBranch !== undefined ? { branch: o.deepcacheBranch } : {}),
      ...(o.deepcacheSchedule !== undefined ? { schedule: o.deepcacheSchedule } : {}),
    },
  };
}
