import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { PNG_TEXT_KEYS, makeGrid, readNpy, toPixels, writeNpy, writePng, type ImageBatch, type NpyArray } from '@denoise/image';
import { denoiseVersion } from '@denoise/repo-layout';
import { assertBatchFitsMemory, formatGpuAdapter, InsufficientMemoryError, loadModel, type GpuAdapterInfo, type LoadedModel, type OnnxDenoiser } from '@denoise/runtime';
import { createScheduler, DEFAULT_STEPS, defaultSamplerFor, imageSeed, imageSeeds, rehearseSchedule, sample, type SampleResult, type SamplerKind, type TraceRecord } from '@denoise/sampler';
import { DDIMScheduler, parsePythonJson, type Scheduler } from '@denoise/schedule';
import { createDownloadProgress } from './download-progress.js';
import { OutputStaging, staleSampleFiles } from './output-files.js';
import { createProgress } from './progress.js';
import type { SampleCommand } from './sample-command.js';

/** An input the user gave that cannot be used: reported with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The run was stopped by a signal outside the sampling loop (loading, writing the outputs). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Throws InterruptedError when the run's signal has fired. */
export function throwIfInterrupted(signal: AbortSignal, phase: string): void {
  if (signal.aborted) throw new InterruptedError(`${String((signal.reason as Error | undefined)?.message ?? 'interrupted')} ${phase}; nothing written`);
}

/** Test hook: a pause before each output write, so that a test can signal the run while it writes. */
const WRITE_DELAY_MS = Number(process.env['DENOISE_TEST_WRITE_DELAY_MS'] ?? 0) || 0;

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
  readonly files: readonly string[];
  readonly grid?: string;
  readonly npy?: string;
  readonly ignoredConfigKeys: readonly string[];
  readonly totalMs: number;
  readonly stepsPerSec: number;
  readonly modelCallsPerSec: number;
  /** Mean time in the model per call. */
  readonly modelMsPerCall: number;
  /** Mean time in the loop (input scaling, noise, scheduler step) per model call. */
  readonly loopMsPerCall: number;
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
  staging.prepareDir('--out', command.out);
  if (command.outNpy !== undefined) staging.prepareFile('--out-npy', command.outNpy);
  if (command.trace !== undefined) staging.prepareDir('--trace', command.trace);
}

export async function runSample(
  command: SampleCommand,
  stderr: NodeJS.WriteStream,
  signal: AbortSignal,
  staging: OutputStaging,
): Promise<SampleSummary> {
  checkCommand(command, staging);
  if (staging.removedLeftovers.length > 0) {
    stderr.write(`removed ${staging.removedLeftovers.length} temporary file(s) left by a killed run: ${staging.removedLeftovers.join(', ')}\n`);
  }
  // x_T is read first: its shape is the sample size for models whose size is not fixed.
  const noise = command.noise ? await readNoiseFile(command.noise) : undefined;
  throwIfInterrupted(signal, 'before loading the model');
  const model = await loadModel(command.model, {
    executionProvider: command.ep,
    ...(command.threads !== undefined ? { threads: command.threads } : {}),
    ...(command.variant !== undefined ? { variant: command.variant } : {}),
    sampleShape: sampleShapeOf(command, noise),
    log: (line) => stderr.write(`${line}\n`),
    onDownload: createDownloadProgress(stderr),
  });
  try {
    if (model.hub) {
      const fetched = model.hub.downloaded.length > 0 ? `downloaded ${model.hub.downloaded.join(', ')}` : 'all files cached';
      stderr.write(`${command.model}: revision ${model.hub.revision} = commit ${model.hub.commit} (${fetched}); ${model.modelPath}\n`);
    }
    if (model.built) {
      stderr.write(
        `built ${model.modelPath} (${(model.built.parameterCount / 1e6).toFixed(1)} M parameters, ${model.built.weightsFormat}) ` +
          `in ${model.built.buildMs.toFixed(0)} ms; session ${model.sessionMs.toFixed(0)} ms\n`,
      );
    }
    throwIfInterrupted(signal, 'while loading the model');
    return await sampleWith(model, command, noise && checkNoise(command.noise!, noise, model), stderr, signal, staging);
  } finally {
    await model.dispose();
  }
}

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

async function sampleWith(
  model: LoadedModel,
  command: SampleCommand,
  noise: Float32Array | undefined,
  stderr: NodeJS.WriteStream,
  signal: AbortSignal,
  staging: OutputStaging,
): Promise<SampleSummary> {
  const config = await schedulerConfigFor(model, command);
  const sampler = command.sampler ?? defaultSamplerFor(config);
  const steps = command.steps ?? DEFAULT_STEPS[sampler];
  checkSamplerOptions(command, sampler);
  let scheduler: Scheduler;
  try {
    scheduler = createScheduler(sampler, config, {
      ...(command.spacing ? { timestep_spacing: command.spacing } : {}),
      ...(command.prevTimestep ? { prev_timestep: command.prevTimestep } : {}),
    });
  } catch (error) {
    // Name the file the bad value came from (the flags' overrides are checked by commander already).
    const file = command.schedulerConfig ?? model.schedulerConfigPath ?? 'the default scheduler config';
    throw new UsageError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  // Refuses a plan outside [0, N) (a bad steps_offset) with a ConfigError, before any model call.
  scheduler.setTimesteps(steps);
  if (scheduler instanceof DDIMScheduler) {
    // η against every step of the plan before any model call (the loop checks again).
    try {
      scheduler.validateEta(steps, command.eta ?? scheduler.config.eta);
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(`--eta: ${error.message}`, { cause: error });
      throw error;
    }
  }
  // Every step of the plan once on a one-element sample (the loop does it again): a config whose β make a step
  // divide by zero is refused here, before the model is called, naming the key to change.
  try {
    rehearseSchedule(scheduler, steps, { ...(sampler === 'ddim' ? { eta: command.eta ?? scheduler.config.eta } : {}), outputChannelsPerChannel: sampler === 'ddpm' && model.signature.outputChannels === 2 * model.signature.channels ? 2 : 1 });
  } catch (error) {
    const file = command.schedulerConfig ?? model.schedulerConfigPath ?? 'the default scheduler config';
    if (error instanceof RangeError) throw new UsageError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
  if (command.sampler === undefined && sampler !== 'ddim') {
    stderr.write(`note: sampler ${sampler} chosen by the scheduler config's _class_name (${scheduler.className}); --sampler overrides it\n`);
  }
  if (model.schedulerConfigIsDefault && !command.schedulerConfig) {
    stderr.write(`note: no scheduler_config.json with ${model.modelPath}; using diffusers' DDPMScheduler defaults (1000 steps, linear β 1e-4 … 0.02)\n`);
  }
  if (scheduler.ignoredKeys.length > 0) {
    stderr.write(`note: scheduler config keys not used by ${scheduler.className}: ${scheduler.ignoredKeys.join(', ')}\n`);
  }
  const batch = noise ? noise.length / (model.signature.channels * model.signature.height * model.signature.width) : command.batch;
  const fixedBatch = model.signature.fixedBatchSize;
  if (fixedBatch !== undefined && fixedBatch !== batch) {
    throw new UsageError(`${model.modelPath}: the model is fixed to batch ${fixedBatch}; asked for ${batch} (--batch or the --noise shape)`);
  }
  // Before the first model call: a batch whose activations cannot fit is refused, not run into swap or the OOM killer.
  try {
    assertBatchFitsMemory(model, batch);
  } catch (error) {
    if (error instanceof InsufficientMemoryError) throw new UsageError(`${error.message} (--batch)`, { cause: error });
    throw error;
  }
  const denoiser = conditionedDenoiser(model, command, batch);
  await denoiser.warmup(batch);
  throwIfInterrupted(signal, 'before sampling');
  if (command.ep === 'auto' || model.adapter) {
    const on = model.adapter ? ` on ${formatGpuAdapter(model.adapter)}` : '';
    stderr.write(`execution provider: ${model.executionProvider}${command.ep === 'auto' ? ' (auto)' : ''}${on}\n`);
  }

  const progress = createProgress(stderr, `${sampler}-${steps}`);
  let result: SampleResult;
  try {
    result = await sample({
      scheduler,
      denoiser,
      steps,
      ...(command.eta !== undefined ? { eta: command.eta } : {}),
      ...(noise ? { noise } : { batchSize: batch }),
      ...(command.perImageSeeds ? { imageSeeds: imageSeeds(command.seed, command.firstImage ?? 0, batch) } : { seed: command.seed }),
      generator: command.generator,
      signal,
      onStep: (event) => progress.update(event),
      ...(command.trace ? { trace: traceWriter(command.trace, staging) } : {}),
    });
  } finally {
    progress.stop();
  }

  const eta = sampler === 'ddim' ? (command.eta ?? scheduler.config.eta) : 0;
  const text: Record<string, string> = {
    [PNG_TEXT_KEYS.model]: command.model,
    [PNG_TEXT_KEYS.modelSha256]: model.sha256,
    ...(model.hub ? { [PNG_TEXT_KEYS.modelRevision]: model.hub.commit } : {}),
    [PNG_TEXT_KEYS.sampler]: sampler,
    [PNG_TEXT_KEYS.steps]: String(steps),
    [PNG_TEXT_KEYS.eta]: String(eta),
    [PNG_TEXT_KEYS.timestepSpacing]: scheduler.config.timestepSpacing,
    [PNG_TEXT_KEYS.generator]: command.generator,
    [PNG_TEXT_KEYS.seed]: String(command.seed),
    ...(command.perImageSeeds ? { [PNG_TEXT_KEYS.seedScheme]: 'per-image' } : {}),
    ...(command.noise ? { [PNG_TEXT_KEYS.noiseSha256]: await sha256Of(command.noise) } : {}),
    [PNG_TEXT_KEYS.executionProvider]: model.executionProvider,
    [PNG_TEXT_KEYS.version]: denoiseVersion(),
    [PNG_TEXT_KEYS.software]: `denoise ${denoiseVersion()}`,
  };
  const images: ImageBatch = { data: result.samples, shape: result.shape };
  // Every output goes to a temporary name first; all are renamed into place together once every one is ready.
  const writing = async (write: () => Promise<void>) => {
    throwIfInterrupted(signal, 'while writing the outputs');
    if (WRITE_DELAY_MS > 0) await delay(WRITE_DELAY_MS);
    await write();
    throwIfInterrupted(signal, 'while writing the outputs');
  };
  const files: string[] = [];
  for (let i = 0; i < batch; i++) {
    const file = join(command.out, `sample-${String(i).padStart(3, '0')}.png`);
    const label = command.classLabels ? { [PNG_TEXT_KEYS.classLabel]: String(command.classLabels[command.classLabels.length === 1 ? 0 : i]) } : {};
    const perImage = command.perImageSeeds
      ? { [PNG_TEXT_KEYS.imageIndex]: String((command.firstImage ?? 0) + i), [PNG_TEXT_KEYS.imageSeed]: String(imageSeed(command.seed, (command.firstImage ?? 0) + i)) }
      : {};
    await writing(() => writePng(staging.stage(file), toPixels(images, i), { ...text, ...label, ...perImage, [PNG_TEXT_KEYS.batchIndex]: String(i) }));
    files.push(file);
  }
  let grid: string | undefined;
  if (command.grid) {
    const gridFile = join(command.out, 'grid.png');
    grid = gridFile;
    const labels = command.classLabels ? { [PNG_TEXT_KEYS.classLabel]: command.classLabels.join(',') } : {};
    await writing(() => writePng(staging.stage(gridFile), toPixels(makeGrid(images, { padding: 2 }), 0), { ...text, ...labels, [PNG_TEXT_KEYS.batchIndex]: 'grid' }));
  }
  if (command.outNpy) {
    const npyFile = command.outNpy;
    await writing(() => writeNpy(staging.stage(npyFile), { dtype: 'float32', shape: [...result.shape], data: result.samples }));
  }
  // A reused --out: sample-NNN.png beyond this batch came from an earlier, larger one; they go with the commit.
  for (const stale of staleSampleFiles(command.out, batch)) staging.removeOnCommit(stale);
  throwIfInterrupted(signal, 'while writing the outputs');
  staging.commit();
  const modelCalls = result.timesteps.length;
  const seconds = result.timings.totalMs / 1000;
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  return {
    model: command.model,
    modelSha256: model.sha256,
    ...(model.hub ? { modelRevision: model.hub.commit } : {}),
    executionProvider: model.executionProvider,
    ...(model.adapter ? { adapter: model.adapter } : {}),
    sampler,
    schedulerClass: scheduler.className,
    steps,
    modelCalls,
    eta,
    timestepSpacing: scheduler.config.timestepSpacing,
    seed: command.seed,
    ...(command.perImageSeeds ? { imageSeeds: imageSeeds(command.seed, command.firstImage ?? 0, batch) } : {}),
    ...(command.noise ? { noise: command.noise } : {}),
    generator: command.generator,
    batch,
    ...(command.classLabels ? { classLabels: command.classLabels } : {}),
    files,
    ...(grid ? { grid } : {}),
    ...(command.outNpy ? { npy: command.outNpy } : {}),
    ignoredConfigKeys: scheduler.ignoredKeys,
    totalMs: result.timings.totalMs,
    stepsPerSec: steps / seconds,
    modelCallsPerSec: modelCalls / seconds,
    modelMsPerCall: sum(result.timings.modelMs) / modelCalls,
    loopMsPerCall: sum(result.timings.loopMs) / modelCalls,
  };
}

async function schedulerConfigFor(model: LoadedModel, command: SampleCommand): Promise<unknown> {
  if (command.schedulerConfig) {
    let text: string;
    try {
      text = await readFile(command.schedulerConfig, 'utf8');
    } catch (error) {
      throw new UsageError(`--scheduler-config ${command.schedulerConfig}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    try {
      return parsePythonJson(text);
    } catch (error) {
      throw new UsageError(`--scheduler-config ${command.schedulerConfig}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
  }
  if (model.schedulerConfig === undefined) {
    throw new UsageError(`no scheduler_config.json found with ${model.modelPath}; pass --scheduler-config FILE`);
  }
  return model.schedulerConfig;
}

/** Options that belong to one sampler are refused with the others, rather than ignored. */
function checkSamplerOptions(command: SampleCommand, sampler: SamplerKind): void {
  if (command.eta !== undefined && sampler !== 'ddim') {
    throw new UsageError(`--eta applies to the ddim sampler only (η of DDIM); ${sampler} takes none`);
  }
  if (command.prevTimestep !== undefined && sampler !== 'ddim' && sampler !== 'pndm') {
    throw new UsageError(`--prev-timestep applies to the ddim and pndm samplers only; ${sampler} steps along its own schedule`);
  }
}

/** The model conditioned on --class-label, checked against the batch before any work. */
function conditionedDenoiser(model: LoadedModel, command: SampleCommand, batch: number): OnnxDenoiser {
  try {
    return model.denoiser.forClassLabels(command.classLabels, batch);
  } catch (error) {
    throw new UsageError(`--class-label: ${(error as Error).message}`, { cause: error });
  }
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

function checkNoise(path: string, array: NpyArray, model: LoadedModel): Float32Array {
  const { channels, height, width } = model.signature;
  const [n, c, h, w] = array.shape;
  if (array.shape.length !== 4 || c !== channels || h !== height || w !== width) {
    throw new UsageError(
      `--noise ${path}: shape [${array.shape.join(', ')}] does not fit the model, which takes [N, ${channels}, ${height}, ${width}]`,
    );
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
function traceWriter(dir: string, staging: OutputStaging): (record: TraceRecord) => Promise<void> {
  return async (record) => {
    const stem = join(dir, `step-${String(record.index).padStart(4, '0')}-t${String(record.timestep).padStart(4, '0')}`);
    await writeNpy(staging.stage(`${stem}-xt.npy`), { dtype: 'float32', shape: [...record.shape], data: record.sample });
    await writeNpy(staging.stage(`${stem}-pred_x0.npy`), { dtype: 'float32', shape: [...record.shape], data: record.predOriginalSample });
  };
}
