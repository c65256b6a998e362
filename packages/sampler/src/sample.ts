import { DDIMScheduler, type Scheduler } from '@denoise/schedule';
import { elementsPerImage, type Denoiser } from './denoiser.js';
import { createGenerator, GENERATOR_KINDS, type GeneratorKind } from './noise-generator.js';
import { NonFiniteError, SamplingAbortedError } from './sampling-errors.js';

export interface StepEvent {
  /** 0-based index of the step just finished. */
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
  readonly steps: number;
  /** DDIM's η (0 = deterministic). Defaults to the scheduler config's eta (0). DDPM takes no η. */
  readonly eta?: number;
  /** x_T exactly, NCHW; its length sets the batch size. Otherwise x_T is drawn from the seeded generator. */
  readonly noise?: Float32Array;
  /** Images per batch when x_T is drawn (default 1). */
  readonly batchSize?: number;
  /** Seed of the generator for x_T and the per-step noise (default 0). */
  readonly seed?: number;
  readonly generator?: GeneratorKind;
  readonly signal?: AbortSignal;
  readonly onStep?: (event: StepEvent) => void;
  /** Receives x_t and pred_x0 of every step; awaited, and not counted in the timings. */
  readonly trace?: (record: TraceRecord) => void | Promise<void>;
}

export interface SampleTimings {
  /** Per step: time inside Denoiser.predict. */
  readonly modelMs: Float64Array;
  /** Per step: everything else the loop does (noise draw, scheduler step, finite checks). */
  readonly loopMs: Float64Array;
  readonly totalMs: number;
}

export interface SampleResult {
  /** x_0, NCHW float32. */
  readonly samples: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly timesteps: Int32Array;
  readonly timings: SampleTimings;
}

interface ResolvedRun {
  readonly batchSize: number;
  readonly eta: number;
  readonly seed: number;
  readonly generator: GeneratorKind;
  readonly epsChannelsOnly: boolean;
}

/**
 * The one sampling loop: x_T → for each planned t: ε = model(x_t, t); x_{t−1} = scheduler.step(ε, t, x_t) → x_0.
 *
 * Random draws, in this order, from one generator seeded with `seed`: x_T (unless `noise` is given), then one
 * draw of the sample's shape at every step where the scheduler draws variance noise (DDPM: t > 0; DDIM: η > 0).
 * With `generator: 'torch'` this is the stream diffusers' DDPMPipeline/DDIMPipeline draw from a seeded
 * CPU torch.Generator. With `noise` given, the step noise starts the stream at `seed`: if the noise was made
 * as torchRandn(seed), the first step would draw it again, so let the loop draw x_T instead.
 */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { scheduler, denoiser, signal, onStep, trace } = options;
  const run = resolveRun(options);
  const perImage = elementsPerImage(denoiser.spec);
  const shape = [run.batchSize, denoiser.spec.channels, denoiser.spec.height, denoiser.spec.width] as const;
  const size = run.batchSize * perImage;
  const rng = createGenerator(run.generator, run.seed);

  scheduler.setTimesteps(options.steps);
  const timesteps = scheduler.timesteps;
  const modelMs = new Float64Array(timesteps.length);
  const loopMs = new Float64Array(timesteps.length);

  let current: Float32Array = options.noise ? Float32Array.from(options.noise) : rng.randn(shape);
  let next: Float32Array = new Float32Array(size);
  const predOriginalSample = new Float32Array(size);
  const epsOnly = run.epsChannelsOnly ? new Float32Array(size) : undefined;
  const stepOptions = { eta: run.eta, batchSize: run.batchSize };
  const started = performance.now();

  for (let index = 0; index < timesteps.length; index++) {
    if (signal?.aborted) throw new SamplingAbortedError(index, signal.reason);
    const timestep = timesteps[index]!;
    const t0 = performance.now();
    const rawOutput = await denoiser.predict(current, timestep);
    const t1 = performance.now();
    assertFinite(rawOutput, index, timestep, 'model output');
    const modelOutput = epsOnly ? firstHalfOfChannels(rawOutput, epsOnly, run.batchSize) : rawOutput;
    const noise = scheduler.noiseDrawnAt(timestep, { eta: run.eta }) ? rng.randn(shape) : undefined;
    scheduler.step(modelOutput, timestep, current, {
      ...stepOptions,
      ...(noise ? { noise } : {}),
      out: { prevSample: next, predOriginalSample },
    });
    assertFinite(next, index, timestep, 'prev sample');
    const t2 = performance.now();
    modelMs[index] = t1 - t0;
    loopMs[index] = t2 - t1;
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
    timesteps: Int32Array.from(timesteps),
    timings: { modelMs, loopMs, totalMs: performance.now() - started },
  };
}

function resolveRun(options: SampleOptions): ResolvedRun {
  const { denoiser, scheduler } = options;
  const spec = denoiser.spec;
  const perImage = elementsPerImage(spec);
  let batchSize: number;
  if (options.noise) {
    if (options.noise.length === 0 || options.noise.length % perImage !== 0) {
      throw new RangeError(
        `noise has ${options.noise.length} elements, not a whole number of ${spec.channels}×${spec.height}×${spec.width} images ` +
          `(${perImage} elements each) as the model expects`,
      );
    }
    batchSize = options.noise.length / perImage;
    if (options.batchSize !== undefined && options.batchSize !== batchSize) {
      throw new RangeError(`batchSize ${options.batchSize} does not match the noise, which holds ${batchSize} image(s)`);
    }
  } else {
    batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be an integer ≥ 1, got ${batchSize}`);
    }
  }
  if (spec.fixedBatchSize !== undefined && spec.fixedBatchSize !== batchSize) {
    throw new RangeError(`the model is fixed to batch ${spec.fixedBatchSize}, but batch ${batchSize} was asked for`);
  }
  const isDdim = scheduler instanceof DDIMScheduler;
  const eta = options.eta ?? (isDdim ? scheduler.config.eta : 0);
  if (!Number.isFinite(eta) || eta < 0) throw new RangeError(`eta must be a finite number ≥ 0, got ${eta}`);
  if (!isDdim && eta !== 0) throw new RangeError(`eta applies to DDIM only; the DDPM scheduler takes none (got ${eta})`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
  const generator = options.generator ?? 'torch';
  if (!GENERATOR_KINDS.includes(generator)) {
    throw new RangeError(`generator must be one of ${GENERATOR_KINDS.join(', ')}, got ${String(generator)}`);
  }
  return { batchSize, eta, seed, generator, epsChannelsOnly: learnedVarianceForDdim(options) };
}

/** A 2C-channel (learned-variance) output: DDPM splits it itself; DDIM uses only the ε half. */
function learnedVarianceForDdim({ denoiser, scheduler }: SampleOptions): boolean {
  const { channels, outputChannels } = denoiser.spec;
  if (outputChannels === channels) return false;
  if (outputChannels !== 2 * channels) {
    throw new RangeError(`the model returns ${outputChannels} channels for a ${channels}-channel sample; expected ${channels} or ${2 * channels}`);
  }
  if (scheduler instanceof DDIMScheduler) return true;
  const varianceType = scheduler.config.varianceType;
  if (varianceType !== 'learned' && varianceType !== 'learned_range') {
    throw new RangeError(
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
