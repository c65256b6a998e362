import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG_TEXT_KEYS, readNpy, writeNpy, type NpyArray } from '@denoise/image';
import { denoiseVersion } from '@denoise/repo-layout';
import { openModel, type GpuAdapterInfo, type OpenedModel } from '@denoise/runtime';
import type { TraceRecord } from '@denoise/sampler';
import { createDownloadProgress } from './download-progress.js';
import type { OutputStaging } from './output-files.js';
import type { SampleCommand } from './sample-command.js';
import type { SchedulerSetup } from './scheduler-setup.js';
import { runTextToImage } from './text-to-image-run.js';
import { runUnconditional } from './unconditional-run.js';
import { throwIfInterrupted, UsageError } from './usage-error.js';


/** What a run's files and timings came to (`--json` prints it). */
export interface SampleSummary {
  readonly model: string;
  readonly modelSha256: string;
  /** The commit an hf: reference resolved to. */
  readonly modelRevision?: string;
  readonly executionProvider: string;
  /** With webgpu: the adapter, and whether it is a software one (lavapipe). */
  readonly adapter?: GpuAdapterInfo;
  readonly sampler: string;
  /** diffusers' scheduler class that ran. */
  readonly schedulerClass: string;
  /** Inference steps S. */
  readonly steps: number;
  /** Model evaluations: S, except Heun (2S − 1) and PNDM (S + 1, or S + 9 with the Runge–Kutta warm-up). */
  readonly modelCalls: number;
  readonly eta: number;
  readonly timestepSpacing: string;
  readonly seed: number;
  /** With --per-image-seeds: each image's generator seed (imageSeed(seed, firstImage + i)). */
  readonly imageSeeds?: readonly number[];
  readonly noise?: string;
  readonly generator: string;
  readonly batch: number;
  readonly classLabels?: readonly number[];
  /** Text-to-image: what conditioned the images and how. */
  readonly textToImage?: TextToImageSummary;
  readonly files: readonly string[];
  readonly grid?: string;
  readonly npy?: string;
  readonly latents?: string;
  readonly ignoredConfigKeys: readonly string[];
  readonly totalMs: number;
  readonly stepsPerSec: number;
  readonly modelCallsPerSec: number;
  /** Mean time in the model (the UNet) per call. */
  readonly modelMsPerCall: number;
  /** Mean time in the loop (input scaling, guidance, noise, scheduler step) per model call. */
  readonly loopMsPerCall: number;
}

export interface TextToImageSummary {
  readonly pipeline: string;
  readonly prompts: readonly string[];
  readonly negativePrompts: readonly string[];
  readonly imagesPerPrompt: number;
  readonly guidanceScale: number;
  /** Whether classifier-free guidance ran (guidance scale > 1): two UNet rows per image. */
  readonly guided: boolean;
  readonly guidanceRescale: number;
  readonly clipSkip?: number;
  readonly height: number;
  readonly width: number;
  /** Where the time went: the text encoder, the UNet calls, the loop's own work, the VAE decoder. */
  readonly timings: { readonly textEncoderMs: number; readonly unetMs: number; readonly loopMs: number; readonly vaeDecodeMs: number };
}

/**
 * Every check that needs no model, before the model is loaded: the options' combinations and every output
 * path (created, one level at a time, or refused with the path named).
 */
export function checkCommand(command: SampleCommand, staging: OutputStaging): void {
  if (command.model.trim() === '') throw new UsageError('--model is empty; pass a model folder or .onnx file');
  if (command.noise !== undefined && command.batchGiven) {
    throw new UsageError(`--batch and --noise together: the batch is the first dimension of --noise ${command.noise}; drop --batch`);
  }
  if (command.firstImage !== undefined && !command.perImageSeeds) {
    throw new UsageError(`--first-image ${command.firstImage} needs --per-image-seeds (image k of a run exists only when every image has its own seed)`);
  }
  const prompts = command.prompts?.length ?? 0;
  const negatives = command.negativePrompts?.length ?? 0;
  if (negatives > 1 && negatives !== prompts) {
    throw new UsageError(`${negatives} --negative-prompt for ${prompts} --prompt: give one negative prompt for all, or one per prompt`);
  }
  staging.prepareDir('--out', command.out);
  if (command.outNpy !== undefined) staging.prepareFile('--out-npy', command.outNpy);
  if (command.outLatents !== undefined) staging.prepareFile('--out-latents', command.outLatents);
  if (command.trace !== undefined) staging.prepareDir('--trace', command.trace);
}

/** The run's surroundings: where messages go, the signal that stops it, the staged outputs. */
export interface RunContext {
  readonly stderr: NodeJS.WriteStream;
  readonly signal: AbortSignal;
  readonly staging: OutputStaging;
}

export async function runSample(command: SampleCommand, stderr: NodeJS.WriteStream, signal: AbortSignal, staging: OutputStaging): Promise<SampleSummary> {
  checkCommand(command, staging);
  if (staging.removedLeftovers.length > 0) {
    stderr.write(`removed ${staging.removedLeftovers.length} temporary file(s) left by a killed run: ${staging.removedLeftovers.join(', ')}\n`);
  }
  // x_T is read first: its shape is the sample size for models whose size is not fixed.
  const noise = command.noise ? await readNoiseFile(command.noise) : undefined;
  throwIfInterrupted(signal, 'before loading the model');
  const model = await openModel(command.model, {
    executionProvider: command.ep,
    ...(command.threads !== undefined ? { threads: command.threads } : {}),
    ...(command.variant !== undefined ? { variant: command.variant } : {}),
    sampleShape: sampleShapeOf(command, noise),
    producerVersion: denoiseVersion(),
    log: (line) => stderr.write(`${line}\n`),
    onDownload: createDownloadProgress(stderr),
  });
  try {
    reportLoad(model, command, stderr);
    throwIfInterrupted(signal, 'while loading the model');
    const context: RunContext = { stderr, signal, staging };
    return model.kind === 'text-to-image' ? await runTextToImage(model, command, noise, context) : await runUnconditional(model, command, noise, context);
  } finally {
    await model.dispose();
  }
}

function reportLoad(model: OpenedModel, command: SampleCommand, stderr: NodeJS.WriteStream): void {
  if (model.hub) {
    const fetched = model.hub.downloaded.length > 0 ? `downloaded ${model.hub.downloaded.join(', ')}` : 'all files cached';
    stderr.write(`${command.model}: revision ${model.hub.revision} = commit ${model.hub.commit} (${fetched}); ${model.modelPath}\n`);
  }
  if (model.kind === 'text-to-image') {
    const parts = Object.entries(model.components).map(
      ([name, c]) => `${name} ${(c.parameterCount / 1e6).toFixed(1)} M (build ${c.buildMs.toFixed(0)} ms, session ${c.sessionMs.toFixed(0)} ms)`,
    );
    stderr.write(`loaded ${model.pipelineClass} ${model.modelPath}: ${parts.join('; ')}\n`);
    for (const note of model.notes) stderr.write(`note: ${note}\n`);
  } else if (model.built) {
    stderr.write(
      `built ${model.modelPath} (${(model.built.parameterCount / 1e6).toFixed(1)} M parameters, ${model.built.weightsFormat}) ` +
        `in ${model.built.buildMs.toFixed(0)} ms; session ${model.sessionMs.toFixed(0)} ms\n`,
    );
  }
}

/** The size a model with symbolic dims is run at: the --noise shape, else --height/--width. */
function sampleShapeOf(command: SampleCommand, noise: NpyArray | undefined): { channels?: number; height?: number; width?: number } {
  if (noise && noise.shape.length === 4) {
    const [, channels, height, width] = noise.shape as [number, number, number, number];
    if ((command.height !== undefined && command.height !== height) || (command.width !== undefined && command.width !== width)) {
      throw new UsageError(`--noise ${command.noise}: its ${height}×${width} images contradict --height/--width`);
    }
    return { channels, height, width };
  }
  return { ...(command.height !== undefined ? { height: command.height } : {}), ...(command.width !== undefined ? { width: command.width } : {}) };
}

/** The provenance every image of a run carries: the model, the sampler and its settings, the seeds, the software. */
export async function runProvenance(
  model: OpenedModel,
  command: SampleCommand,
  setup: SchedulerSetup,
): Promise<Record<string, string>> {
  return {
    [PNG_TEXT_KEYS.model]: command.model,
    [PNG_TEXT_KEYS.modelSha256]: model.sha256,
    ...(model.hub ? { [PNG_TEXT_KEYS.modelRevision]: model.hub.commit } : {}),
    [PNG_TEXT_KEYS.sampler]: setup.sampler,
    [PNG_TEXT_KEYS.steps]: String(setup.steps),
    [PNG_TEXT_KEYS.eta]: String(setup.eta),
    [PNG_TEXT_KEYS.timestepSpacing]: setup.scheduler.config.timestepSpacing,
    [PNG_TEXT_KEYS.generator]: command.generator,
    [PNG_TEXT_KEYS.seed]: String(command.seed),
    ...(command.perImageSeeds ? { [PNG_TEXT_KEYS.seedScheme]: 'per-image' } : {}),
    ...(command.noise ? { [PNG_TEXT_KEYS.noiseSha256]: await sha256Of(command.noise) } : {}),
    [PNG_TEXT_KEYS.executionProvider]: model.executionProvider,
    [PNG_TEXT_KEYS.version]: denoiseVersion(),
    [PNG_TEXT_KEYS.software]: `denoise ${denoiseVersion()}`,
  };
}

async function readNoiseFile(path: string): Promise<NpyArray> {
  let array: NpyArray;
  try {
    array = await readNpy(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new UsageError(`--noise ${path}: cannot read (${(error as NodeJS.ErrnoException).code})`, { cause: error });
  }
  // A NaN or ±Infinity in x_T would surface steps later as a "non-finite model output": name the file instead.
  const data = array.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const at = array.shape.length > 1 ? ` [${unravel(i, array.shape).join(', ')}]` : '';
      throw new UsageError(`--noise ${path}: non-finite value ${v} at element ${i}${at}; x_T must be finite`);
    }
  }
  return array;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return out;
}

/**
 * --noise as float32 [N, C, H, W] for a model that takes [N, channels, height, width]; `what` names the tensor in the
 * message (x_T, or a pipeline's initial latents).
 */
export function checkNoise(path: string, array: NpyArray, expected: { readonly channels: number; readonly height: number; readonly width: number }, what = 'the model'): Float32Array {
  const { channels, height, width } = expected;
  const [n, c, h, w] = array.shape;
  if (array.shape.length !== 4 || c !== channels || h !== height || w !== width) {
    throw new UsageError(`--noise ${path}: shape [${array.shape.join(', ')}] does not fit ${what}, which takes [N, ${channels}, ${height}, ${width}]`);
  }
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new UsageError(`--noise ${path}: dtype ${array.dtype}, expected float32 or float64`);
  }
  if (n === undefined || n < 1) throw new UsageError(`--noise ${path}: empty batch`);
  return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as Float64Array);
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** The trace files, staged with the run's other outputs (the folder was prepared by checkCommand). */
export function traceWriter(dir: string, staging: OutputStaging): (record: TraceRecord) => Promise<void> {
  return async (record) => {
    const stem = join(dir, `step-${String(record.index).padStart(4, '0')}-t${String(record.timestep).padStart(4, '0')}`);
    await writeNpy(staging.stage(`${stem}-xt.npy`), { dtype: 'float32', shape: [...record.shape], data: record.sample });
    await writeNpy(staging.stage(`${stem}-pred_x0.npy`), { dtype: 'float32', shape: [...record.shape], data: record.predOriginalSample });
  };
}

/** The loop's timings as the summary reports them. */
export function loopRates(result: { readonly timesteps: ArrayLike<number>; readonly timings: { readonly modelMs: Float64Array; readonly loopMs: Float64Array; readonly totalMs: number } }, steps: number) {
  const modelCalls = result.timesteps.length;
  const seconds = result.timings.totalMs / 1000;
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  return {
    modelCalls,
    stepsPerSec: steps / seconds,
    modelCallsPerSec: modelCalls / seconds,
    modelMsPerCall: sum(result.timings.modelMs) / modelCalls,
    loopMsPerCall: sum(result.timings.loopMs) / modelCalls,
  };
}
