import type { NpyArray } from '@denoise/image';
import { repositoryModelOptions } from '@denoise/repo-layout';
import { describeCacheVerification, formatGpuAdapter, isAttentionLayer, openModel, SampleSizeError, type OpenedModel } from '@denoise/runtime';
import { createDownloadProgress } from './download-progress.js';
import { readNoiseFile } from './noise-file.js';
import { checkDistinctOutputs, type OutputStaging } from './output-files.js';
import { checkSamplerOptions, readSchedulerConfigFile, type SchedulerContext } from './scheduler-setup.js';
import type { SampleCommand } from './sample-command.js';
import type { SampleSummary } from './sample-summary.js';
import { runTextToImage } from './text-to-image-run.js';
import { runUnconditional } from './unconditional-run.js';
import { throwIfInterrupted, UsageError } from './usage-error.js';

/** The run's surroundings: where messages go, the signal that stops it, the staged outputs. */
export interface RunContext extends SchedulerContext {
  readonly signal: AbortSignal;
  readonly staging: OutputStaging;
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
  // Per-image seeds exist for image indices below 2^32 (imageSeed); the last image of the batch must have one.
  const lastImage = (command.firstImage ?? 0) + command.batch - 1;
  if (command.perImageSeeds && lastImage >= 2 ** 32) {
    throw new UsageError(`--first-image ${command.firstImage ?? 0} with --batch ${command.batch}: image ${lastImage} has no seed; per-image seeds go up to image ${2 ** 32 - 1}`);
  }
  const prompts = command.prompts?.length ?? 0;
  const negatives = command.negativePrompts?.length ?? 0;
  if (negatives > 1 && negatives !== prompts) {
    throw new UsageError(`${negatives} --negative-prompt for ${prompts} --prompt: give one negative prompt for all, or one per prompt`);
  }
  staging.prepareDir('--out', command.out);
  if (command.outNpy !== undefined) staging.prepareFile('--out-npy', command.outNpy);
  if (command.outLatents !== undefined) staging.prepareFile('--out-latents', command.outLatents);
  if (command.sampler !== undefined) checkSamplerOptions(command, command.sampler);
  if (command.trace !== undefined) staging.prepareDir('--trace', command.trace);
  const files: [string, string][] = [];
  if (command.outNpy !== undefined) files.push(['--out-npy', command.outNpy]);
  if (command.outLatents !== undefined) files.push(['--out-latents', command.outLatents]);
  checkDistinctOutputs(command.out, files);
}

export async function runSample(command: SampleCommand, stderr: NodeJS.WriteStream, signal: AbortSignal, staging: OutputStaging): Promise<SampleSummary> {
  checkCommand(command, staging);
  if (staging.removedLeftovers.length > 0) {
    stderr.write(`removed ${staging.removedLeftovers.length} temporary file(s) left by a killed run: ${staging.removedLeftovers.join(', ')}\n`);
  }
  // Every input file is read before the model: x_T first, since its shape is the sample size for models whose size
  // is not fixed; then --scheduler-config.
  const noise = command.noise ? await readNoiseFile(command.noise) : undefined;
  const schedulerConfigFile = command.schedulerConfig !== undefined ? await readSchedulerConfigFile(command.schedulerConfig) : undefined;
  throwIfInterrupted(signal, 'before loading the model');
  const model = await openModel(command.model, {
    executionProvider: command.ep,
    ...(command.threads !== undefined ? { threads: command.threads } : {}),
    ...(command.graphOptimization !== undefined ? { graphOptimizationLevel: command.graphOptimization } : {}),
    ...(command.deepCache ? { deepCache: command.deepCache } : {}),
    ...(command.precision ? { precision: command.precision } : {}),
    ...(command.int8Calibration ? { int8: { method: command.int8Calibration } } : {}),
    ...(command.variant !== undefined ? { variant: command.variant } : {}),
    ...(command.verifyCache ? { verifyCache: true } : {}),
    sampleShape: sampleShapeOf(command, noise),
    ...repositoryModelOptions(),
    log: (line) => stderr.write(`${line}\n`),
    onDownload: createDownloadProgress(stderr),
    signal,
  }).catch((error: unknown) => {
    // The runtime names what is missing; the flags that give it are the CLI's.
    if (error instanceof SampleSizeError) throw new UsageError(`${error.message} (--height and --width, or --noise)`, { cause: error });
    throw error;
  });
  try {
    reportLoad(model, command, stderr);
    throwIfInterrupted(signal, 'while loading the model');
    const context: RunContext = { stderr, signal, staging, ...(command.schedulerConfig !== undefined ? { schedulerConfigFile } : {}) };
    return model.kind === 'text-to-image' ? await runTextToImage(model, command, noise, context) : await runUnconditional(model, command, noise, context);
  } finally {
    await model.dispose();
  }
}

function reportLoad(model: OpenedModel, command: SampleCommand, stderr: NodeJS.WriteStream): void {
  if (command.ep === 'auto' || model.adapter) {
    const on = model.adapter ? ` on ${formatGpuAdapter(model.adapter)}` : '';
    stderr.write(`execution provider: ${model.executionProvider}${command.ep === 'auto' ? ' (auto)' : ''}${on}\n`);
  }
  if (model.hub) {
    const fetched = model.hub.downloaded.length > 0 ? `downloaded ${model.hub.downloaded.join(', ')}` : 'all files cached';
    stderr.write(`${command.model}: revision ${model.hub.revision} = commit ${model.hub.commit} (${fetched}); ${model.modelPath}\n`);
    if (model.hub.verified) stderr.write(`${command.model}: ${describeCacheVerification(model.hub.verified)}\n`);
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
    if (model.int8) {
      const { calibration } = model.int8;
      const how = calibration.cached ? `from ${calibration.file}` : `measured in ${((calibration.calibrationMs ?? 0) / 1000).toFixed(1)} s over ${calibration.calls ?? 0} calls, cached in ${calibration.file}`;
      stderr.write(`int8: ${model.int8.quantizedConvs} convolutions in int8; float32: ${describeFloatLayers(model.int8.floatLayers)}; activation ranges (${calibration.method}, ${calibration.runs} ${calibration.sampler} runs × ${calibration.steps} steps) ${how}\n`);
    }
    const cut = model.built.deepCache;
    const options = command.deepCache;
    if (cut && options) {
      stderr.write(
        `DeepCache: one full call in ${options.interval} (${options.schedule ?? 'uniform'}), branch ${cut.branch} of 0 … ${cut.maxBranch}; ` +
          `the shallow forward reads ${((100 * cut.shallowParameterCount) / model.built.parameterCount).toFixed(1)} % of the weights (session ${cut.shallowSessionMs.toFixed(0)} ms)\n`,
      );
    }
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


/** The layers an int8 model keeps in float32, grouped: the convolutions by name, attention and time-embedding layers counted. */
function describeFloatLayers(layers: readonly string[]): string {
  const timeEmbedding = (l: string) => /time_emb/.test(l);
  const attention = layers.filter(isAttentionLayer).length;
  const time = layers.filter(timeEmbedding).length;
  const named = layers.filter((l) => !isAttentionLayer(l) && !timeEmbedding(l));
  return [...named, ...(attention > 0 ? [`${attention} attention layers`] : []), ...(time > 0 ? [`${time} time-embedding layers`] : [])].join(', ');
}
