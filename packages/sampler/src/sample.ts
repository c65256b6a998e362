import type { Scheduler } from '@denoise/schedule';
import { elementsPerImage, type Denoiser } from './denoiser.js';
import { createGenerator, GENERATOR_KINDS, PerImageGenerators, type GeneratorKind } from './noise-generator.js';
import { InputError } from './input-error.js';
import { outputChannelsRead, planRun, type RunPlan } from './run-plan.js';
import { NonFiniteError, SamplingAbortedError } from './sampling-errors.js';

export interface StepEvent {
  /** 0-based index of the model call just finished (Heun makes two per step, PNDM's PRK warm-up four). */
  readonly index: number;
  readonly total: number;
  readonly timestep: number;
  readonly modelMs: number;
  readonly loopMs: number;
  readonly elapsedMs: number;
}

export interface TraceRecord {
  readonly index: number;
  readonly timestep: number;
  /** x_t, the input of this step (a copy). */
  readonly sample: Float32Array;
  /** The scheduler's pred_x0 at this step (a copy). */
  readonly predOriginalSample: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

export interface SampleOptions {
  readonly scheduler: Scheduler;
  readonly denoiser: Denoiser;
  /** Inference steps S, as diffusers' `num_inference_steps`; the model is called `scheduler.timesteps.length` times. */
  readonly steps: number;
  /** DDIM's η (0 = deterministic). Defaults to the scheduler config's eta (0). DDPM takes no η. */
  readonly eta?: number;
  /**
   * The run's plan, checked by planRun before (say, before a model was loaded): used as it is when it is this
   * scheduler's plan for these steps, η and start, so nothing is planned or rehearsed twice; otherwise the loop plans.
   */
  readonly plan?: RunPlan;
  /**
   * Unit-variance x_T, NCHW; its length sets the batch size. Otherwise it is drawn from the seeded generator.
   * Either way the loop multiplies it by the scheduler's `initNoiseSigma`, as diffusers' pipelines do.
   */
  readonly noise?: Float32Array;
  /** Images per batch when x_T is drawn (default 1, or the number of `imageSeeds`). */
  readonly batchSize?: number;
  /** Seed of the one generator for the whole batch's x_T and per-step noise (default 0). */
  readonly seed?: number;
  /**
   * Instead of `seed`: one generator per image (diffusers' list of generators), so image i's x_T and step noise
   * depend on its seed alone, whatever the batch; see imageSeed() for the seeds of a run's images.
   */
  readonly imageSeeds?: readonly number[];
  readonly generator?: GeneratorKind;
  /**
   * Image-to-image: start at model call `index` of the plan (diffusers' t_start · order; the scheduler's begin index
   * is set to it) from the sample `sample` returns, instead of from x_T · initNoiseSigma. `sample` gets the run's
   * generator — its draws come before any step's, as the pipeline's prepare_latents draws before the loop — and the
   * starting timestep (e.g. to add noise to encoded image latents).
   */
  readonly start?: { readonly index: number; readonly sample: (rng: StartGenerator, timestep: number) => Float32Array };
  readonly signal?: AbortSignal;
  readonly onStep?: (event: StepEvent) => void;
  /** Receives x_t and pred_x0 of every step; awaited, and not counted in the timings. */
  readonly trace?: (record: TraceRecord) => void | Promise<void>;
}

/** The run's generator as a `start` callback sees it: one stream for the batch, or one per image (`perImage`). */
export interface StartGenerator {
  readonly perImage: boolean;
  randn(shape: readonly number[]): Float32Array;
}

export interface SampleTimings {
  /** Per model call: time inside Denoiser.predict. */
  readonly modelMs: Float64Array;
  /** Per model call: everything else the loop does (input scaling, noise draw, scheduler step, finite checks). */
  readonly loopMs: Float64Array;
  readonly totalMs: number;
}

export interface SampleResult {
  /** x_0, NCHW float32 (LCM: the last step's `denoised`, which its last prev_sample equals). */
  readonly samples: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** The timestep of every model call (its length is the model-call count). */
  readonly timesteps: Int32Array | Float32Array;
  readonly timings: SampleTimings;
}

interface ResolvedRun {
  readonly batchSize: number;
  /** One seed for the batch, or one per image. */
  readonly seed: number | readonly number[];
  readonly generator: GeneratorKind;
  readonly epsChannelsOnly: boolean;
}

/** x ← f32(x · factor), as torch multiplies x_T by init_noise_sigma; nothing to do for factor 1. */
function scaleInPlace(x: Float32Array, factor: number): void {
  if (factor === 1) return;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * factor;
}

/**
 * The one sampling loop, for every scheduler (diffusers' pipeline loop):
 *   x = x_T · initNoiseSigma; for each t of scheduler.timesteps:
 *     ε = model(scaleModelInput(x, t), t); x = scheduler.step(ε, t, x, { noise }) → x_0.
 * `timesteps` has one entry per model call, so Heun's two evaluations per step and PNDM's Runge–Kutta warm-up
 * are ordinary iterations; multistep state lives in the scheduler.
 *
 * Random draws, in this order, from one generator seeded with `seed`: x_T (unless `noise` is given), then one
 * draw of the sample's shape at every call where the scheduler draws noise (DDPM: t > 0; DDIM: η > 0;
 * DPM-Solver SDE, Euler ancestral: every call; LCM: every call but the last). With `generator: 'torch'` this is the stream diffusers'
 * pipelines draw from a seeded CPU torch.Generator. With `noise` given, the step noise starts the stream at `seed`: if the noise was made
 * as torchRandn(seed), the first step would draw it again, so let the loop draw x_T instead. With `imageSeeds`,
 * each image has this stream of its own (diffusers' list of generators).
 */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { scheduler, denoiser, signal, onStep, trace } = options;
  const run = resolveRun(options);
  const perImage = elementsPerImage(denoiser.spec);
  const shape = [run.batchSize, denoiser.spec.channels, denoiser.spec.height, denoiser.spec.width] as const;
  const size = run.batchSize * perImage;
  const rng = typeof run.seed === 'number' ? createGenerator(run.generator, run.seed) : new PerImageGenerators(run.generator, run.seed);

  // Every refusal of the plan (steps_offset, η, a step that cannot run) before the first model call.
  const plan = readyPlan(options, outputChannelsRead(scheduler, denoiser.spec.outputChannels === 2 * denoiser.spec.channels));
  const { startIndex } = plan;
  const timesteps = scheduler.timesteps.slice(startIndex);
  const modelMs = new Float64Array(timesteps.length);
  const loopMs = new Float64Array(timesteps.length);

  let current: Float32Array;
  if (options.start) {
    current = options.start.sample({ perImage: typeof run.seed !== 'number', randn: (s) => rng.randn(s) }, timesteps[0]!);
    if (current.length !== size) throw new RangeError(`the start sample has ${current.length} elements; a batch of ${run.batchSize} needs ${size}`);
  } else {
    current = options.noise ? Float32Array.from(options.noise) : rng.randn(shape);
    scaleInPlace(current, scheduler.initNoiseSigma);
  }
  let next: Float32Array = new Float32Array(size);
  const modelInput = new Float32Array(size);
  const predOriginalSample = new Float32Array(size);
  // LCM's consistency output (`denoised`); the other schedulers leave it alone.
  const denoised = new Float32Array(size);
  const epsOnly = run.epsChannelsOnly ? new Float32Array(size) : undefined;
  const noiseOptions = { eta: plan.eta }; // 0 but for DDIM, whose η it is; the other schedulers read none
  const stepOptions = { ...noiseOptions, batchSize: run.batchSize };
  const started = performance.now();

  for (let index = 0; index < timesteps.length; index++) {
    if (signal?.aborted) throw new SamplingAbortedError(index, signal.reason);
    const timestep = timesteps[index]!;
    const t0 = performance.now();
    const input = scheduler.scaleModelInput(current, timestep, modelInput);
    const t1 = performance.now();
    const rawOutput = await denoiser.predict(input, timestep, { index, count: timesteps.length });
    const t2 = performance.now();
    assertFinite(rawOutput, index, timestep, 'model output');
    const modelOutput = epsOnly ? firstHalfOfChannels(rawOutput, epsOnly, run.batchSize) : rawOutput;
    const noise = scheduler.noiseDrawnAt(timestep, noiseOptions) ? rng.randn(shape) : undefined;
    scheduler.step(modelOutput, timestep, current, {
      ...stepOptions,
      ...(noise ? { noise } : {}),
      out: { prevSample: next, predOriginalSample, denoised },
    });
    assertFinite(next, index, timestep, 'prev sample');
    const t3 = performance.now();
    modelMs[index] = t2 - t1;
    loopMs[index] = t1 - t0 + (t3 - t2);
    if (trace) {
      await trace({ index, timestep, sample: current.slice(), predOriginalSample: predOriginalSample.slice(), shape });
    }
    [current, next] = [next, current];
    onStep?.({
      index,
      total: timesteps.length,
      timestep,
      modelMs: modelMs[index]!,
      loopMs: loopMs[index]!,
      elapsedMs: performance.now() - started,
    });
  }
  return {
    samples: current,
    shape,
    timesteps: timesteps.slice(),
    timings: { modelMs, loopMs, totalMs: performance.now() - started },
  };
}

/**
 * The plan the loop runs: the caller's, when it is this scheduler's for these steps, η, start and output channels
 * (the scheduler is only reset to it: setTimesteps clears a multistep solver's state, as the bench reuses one
 * scheduler for many batches), else planRun's.
 */
function readyPlan(options: SampleOptions, outputChannelsPerChannel: 1 | 2): RunPlan {
  const { plan, scheduler, steps } = options;
  const startIndex = options.start?.index ?? 0;
  const matches =
    plan !== undefined &&
    plan.scheduler === scheduler &&
    plan.steps === steps &&
    plan.startIndex === startIndex &&
    plan.outputChannelsPerChannel === outputChannelsPerChannel &&
    (options.eta === undefined || options.eta === plan.eta);
  if (!matches) return planRun(scheduler, steps, { ...(options.eta !== undefined ? { eta: options.eta } : {}), outputChannelsPerChannel, startIndex });
  scheduler.setTimesteps(steps);
  if (startIndex > 0) scheduler.setBeginIndex?.(startIndex);
  return plan;
}

function resolveRun(options: SampleOptions): ResolvedRun {
  const spec = options.denoiser.spec;
  const perImage = elementsPerImage(spec);
  let batchSize: number;
  if (options.noise && options.start) throw new RangeError('give either noise (x_T) or start (a run from part-way), not both');
  if (options.noise) {
    if (options.noise.length === 0 || options.noise.length % perImage !== 0) {
      throw new InputError(
        'noise',
        `${options.noise.length} elements`,
        `a whole number of ${perImage}-element images`,
        `noise has ${options.noise.length} elements, not a whole number of ${spec.channels}×${spec.height}×${spec.width} images ` +
          `(${perImage} elements each) as the model expects`,
      );
    }
    batchSize = options.noise.length / perImage;
    if (options.batchSize !== undefined && options.batchSize !== batchSize) {
      throw new InputError('batchSize', options.batchSize, `${batchSize} (the noise's images)`, `batchSize ${options.batchSize} does not match the noise, which holds ${batchSize} image(s)`);
    }
  } else {
    batchSize = options.batchSize ?? options.imageSeeds?.length ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InputError('batchSize', batchSize, 'an integer ≥ 1', `batchSize must be an integer ≥ 1, got ${batchSize}`);
    }
  }
  if (spec.fixedBatchSize !== undefined && spec.fixedBatchSize !== batchSize) {
    throw new InputError('batchSize', batchSize, String(spec.fixedBatchSize), `the model is fixed to batch ${spec.fixedBatchSize}, but batch ${batchSize} was asked for`);
  }
  const seed = resolveSeed(options, batchSize);
  const generator = options.generator ?? 'torch';
  if (!GENERATOR_KINDS.includes(generator)) {
    throw new InputError('generator', generator, GENERATOR_KINDS.join(', '), `generator must be one of ${GENERATOR_KINDS.join(', ')}, got ${String(generator)}`);
  }
  return { batchSize, seed, generator, epsChannelsOnly: epsHalfOnly(options) };
}

function resolveSeed(options: SampleOptions, batchSize: number): number | readonly number[] {
  const { imageSeeds } = options;
  if (imageSeeds === undefined) {
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError('seed', seed, 'an integer ≥ 0', `seed must be an integer ≥ 0, got ${seed}`);
    return seed;
  }
  if (options.seed !== undefined) throw new RangeError('give either seed (one generator for the batch) or imageSeeds (one per image), not both');
  if (imageSeeds.length !== batchSize) throw new InputError('imageSeeds', `${imageSeeds.length} seeds`, `one per image (${batchSize})`, `imageSeeds has ${imageSeeds.length} seed(s) for a batch of ${batchSize} image(s)`);
  const bad = imageSeeds.find((s) => !Number.isSafeInteger(s) || s < 0);
  if (bad !== undefined) throw new InputError('imageSeeds', bad, 'integers ≥ 0', `imageSeeds: every seed must be an integer ≥ 0, got ${bad}`);
  return imageSeeds;
}

/**
 * A 2C-channel (learned-variance) output: DDPM splits it itself; every other scheduler gets only the ε half,
 * as diffusers' pipelines split it before `step`.
 */
function epsHalfOnly({ denoiser, scheduler }: SampleOptions): boolean {
  const { channels, outputChannels } = denoiser.spec;
  if (outputChannels === channels) return false;
  if (outputChannels !== 2 * channels) {
    throw new RangeError(`the model returns ${outputChannels} channels for a ${channels}-channel sample; expected ${channels} or ${2 * channels}`);
  }
  if (scheduler.className !== 'DDPMScheduler') return true;
  const varianceType = scheduler.config.varianceType;
  if (varianceType !== 'learned' && varianceType !== 'learned_range') {
    throw new InputError(
      'variance_type',
      varianceType,
      "'learned' or 'learned_range'",
      `the model returns ${outputChannels} channels (a learned variance) but the scheduler's variance_type is ` +
        `'${varianceType}'; use 'learned' or 'learned_range'`,
    );
  }
  return false;
}

function firstHalfOfChannels(output: Float32Array, into: Float32Array, batchSize: number): Float32Array {
  const half = into.length / batchSize;
  for (let b = 0; b < batchSize; b++) into.set(output.subarray(2 * b * half, (2 * b + 1) * half), b * half);
  return into;
}

function assertFinite(values: Float32Array, stepIndex: number, timestep: number, tensor: 'model output' | 'prev sample'): void {
  // x·0 is 0 for finite x and NaN for NaN/±Infinity: one multiply-add per element on the fast path.
  let probe = 0;
  for (let i = 0; i < values.length; i++) probe += values[i]! * 0;
  if (probe === 0) return;
  const at = values.findIndex((v) => !Number.isFinite(v));
  throw new NonFiniteError(stepIndex, timestep, tensor, at, values[at]!);
}
