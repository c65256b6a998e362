import { PNG_TEXT_KEYS, type ImageBatch, type NpyArray } from '@denoise/image';
import { assertBatchFitsMemory, InsufficientMemoryError, type LoadedModel, type OnnxDenoiser } from '@denoise/runtime';
import { imageSeed, imageSeeds, InputError, sample, type SampleResult } from '@denoise/sampler';
import { writeImageOutputs } from './image-outputs.js';
import { loopSettings } from './loop-settings.js';
import { createProgress } from './progress.js';
import { checkNoise } from './noise-file.js';
import { runProvenance } from './run-provenance.js';
import type { RunContext } from './run-sample.js';
import { loopRates, type SampleSummary } from './sample-summary.js';
import type { SampleCommand } from './sample-command.js';
import { setUpScheduler } from './scheduler-setup.js';
import { throwIfInterrupted, UsageError } from './usage-error.js';

/** Flags that only a text-to-image pipeline takes: refused on an unconditional model rather than ignored. */
const TEXT_TO_IMAGE_FLAGS = [
  ['prompts', '--prompt'],
  ['negativePrompts', '--negative-prompt'],
  ['guidanceScale', '--guidance-scale'],
  ['guidanceRescale', '--guidance-rescale'],
  ['imagesPerPrompt', '--images-per-prompt'],
  ['clipSkip', '--clip-skip'],
  ['originalSize', '--original-size'],
  ['cropTopLeft', '--crop-top-left'],
  ['targetSize', '--target-size'],
  ['outLatents', '--out-latents'],
  ['initImage', '--init-image'],
  ['strength', '--strength'],
] as const satisfies readonly (readonly [keyof SampleCommand, string])[];

/** An unconditional model (UNet2DModel, an ONNX denoiser): the one loop from x_T to x_0, then the images. */
export async function runUnconditional(model: LoadedModel, command: SampleCommand, noiseFile: NpyArray | undefined, context: RunContext): Promise<SampleSummary> {
  const { stderr, signal, staging } = context;
  const given = TEXT_TO_IMAGE_FLAGS.filter(([key]) => command[key] !== undefined).map(([, flag]) => flag);
  if (given.length > 0) {
    throw new UsageError(`${given.join(', ')}: ${model.modelPath} is an unconditional model (no text encoder); these flags apply to text-to-image pipelines such as Stable Diffusion`);
  }
  const noise = noiseFile && checkNoise(command.noise!, noiseFile, model.signature);
  const setup = setUpScheduler(command, model, context, model.signature.outputChannels === 2 * model.signature.channels);
  const { scheduler, sampler, steps, plan } = setup;
  const batch = noise ? noise.length / (model.signature.channels * model.signature.height * model.signature.width) : command.batch;
  const fixedBatch = model.signature.fixedBatchSize;
  if (fixedBatch !== undefined && fixedBatch !== batch) {
    throw new UsageError(`${model.modelPath}: the model is fixed to batch ${fixedBatch}; asked for ${batch} (--batch or the --noise shape)`);
  }
  // Before the first model call: a batch whose activations cannot fit is refused, not run into swap or the OOM killer.
  try {
    assertBatchFitsMemory(model, batch);
  } catch (error) {
    if (error instanceof InsufficientMemoryError) throw new UsageError(`${error.message} (${error.fits >= 1 ? '--batch' : '--height/--width'})`, { cause: error });
    throw error;
  }
  const denoiser = conditionedDenoiser(model, command, batch);
  await denoiser.warmup(batch);
  throwIfInterrupted(signal, 'before sampling');
  const progress = createProgress(stderr, `${sampler}-${steps}`);
  let result: SampleResult;
  try {
    result = await sample({
      scheduler,
      denoiser,
      steps,
      plan,
      ...(noise ? { noise } : { batchSize: batch }),
      ...loopSettings(command, { batch, progress, staging, signal }),
    });
  } finally {
    progress.stop();
  }

  const images: ImageBatch = { data: result.samples, shape: result.shape };
  const written = await writeImageOutputs(
    {
      images,
      out: command.out,
      grid: command.grid,
      text: await runProvenance(model, command, setup),
      perImage: (i) => ({
        ...(command.classLabels ? { [PNG_TEXT_KEYS.classLabel]: String(command.classLabels[command.classLabels.length === 1 ? 0 : i]) } : {}),
        ...(command.perImageSeeds
          ? { [PNG_TEXT_KEYS.imageIndex]: String((command.firstImage ?? 0) + i), [PNG_TEXT_KEYS.imageSeed]: String(imageSeed(command.seed, (command.firstImage ?? 0) + i)) }
          : {}),
      }),
      ...(command.classLabels ? { gridText: { [PNG_TEXT_KEYS.classLabel]: command.classLabels.join(',') } } : {}),
      arrays: command.outNpy ? [{ file: command.outNpy, array: { dtype: 'float32', shape: [...result.shape], data: result.samples } }] : [],
    },
    staging,
    signal,
  );
  return {
    model: command.model,
    modelSha256: model.sha256,
    ...(model.hub ? { modelRevision: model.hub.commit } : {}),
    executionProvider: model.executionProvider,
    ...(model.adapter ? { adapter: model.adapter } : {}),
    sampler,
    schedulerClass: scheduler.className,
    steps,
    eta: plan.eta,
    timestepSpacing: scheduler.config.timestepSpacing,
    seed: command.seed,
    ...(command.perImageSeeds ? { imageSeeds: imageSeeds(command.seed, command.firstImage ?? 0, batch) } : {}),
    ...(command.noise ? { noise: command.noise } : {}),
    generator: command.generator,
    batch,
    ...(command.classLabels ? { classLabels: command.classLabels } : {}),
    ...written,
    ...(command.outNpy ? { npy: command.outNpy } : {}),
    ignoredConfigKeys: scheduler.ignoredKeys,
    totalMs: result.timings.totalMs,
    ...loopRates(result, steps),
  };
}

/** The model conditioned on --class-label, checked against the batch before any work. */
function conditionedDenoiser(model: LoadedModel, command: SampleCommand, batch: number): OnnxDenoiser {
  try {
    return model.denoiser.forClassLabels(command.classLabels, batch);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(`--class-label: ${error.message}`, { cause: error });
    throw error;
  }
}
