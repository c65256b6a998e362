import { createHash } from 'node:crypto';
import { decodePng, fromPixels, NotRegularFileError, PNG_TEXT_KEYS, readRegularFile, type ImageBatch, type NpyArray, type Rgba8Image } from '@denoise/image';
import type { LoadedPipeline } from '@denoise/runtime';
import { guidanceKind, imageSeed, imageStartIndex, imageSeeds, InputError, repeatPerImage, textToImage, type TextToImageResult } from '@denoise/sampler';
import type { Scheduler } from '@denoise/schedule';
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

/**
 * A text-to-image pipeline (Stable Diffusion): the prompts are encoded, the UNet sampled with classifier-free guidance
 * by the one loop over latents, the final latents decoded by the VAE. Every check is made before the text encoder
 * runs: the prompts, the size, the flags, the scheduler's whole plan.
 */
export async function runTextToImage(pipeline: LoadedPipeline, command: SampleCommand, noiseFile: NpyArray | undefined, context: RunContext): Promise<SampleSummary> {
  const { stderr, signal, staging } = context;
  const prompts = command.prompts;
  if (!prompts || prompts.length === 0) {
    throw new UsageError(`${pipeline.modelPath} is a text-to-image pipeline (${pipeline.pipelineClass}): pass --prompt TEXT`);
  }
  if (command.batchGiven) throw new UsageError(`--batch applies to unconditional models; a text-to-image pipeline makes --images-per-prompt images per --prompt`);
  if (command.classLabels) throw new UsageError(`--class-label: ${pipeline.modelPath} is conditioned on text, not on class labels`);
  const imagesPerPrompt = command.imagesPerPrompt ?? 1;
  const perImagePrompts = repeatPerImage(prompts, imagesPerPrompt);
  const negatives = command.negativePrompts;
  // One negative prompt for every prompt, one per prompt, or none (diffusers' negative_prompt=None).
  const perImageNegatives: (string | null)[] = negatives ? repeatPerImage(negatives.length === 1 ? prompts.map(() => negatives[0]!) : negatives, imagesPerPrompt) : perImagePrompts.map(() => null);
  const batch = perImagePrompts.length;
  const init = command.initImage !== undefined ? await readInitImage(command.initImage) : undefined;
  if (command.strength !== undefined && !init) throw new UsageError('--strength applies with --init-image (image-to-image)');
  if (init && command.noise) throw new UsageError('--noise and --init-image together: image-to-image starts from the image, noised by the generator (--seed)');
  const size = imageSize(pipeline, command, noiseFile, init);
  const latent = { channels: pipeline.latentChannels, height: size.height / pipeline.vaeScaleFactor, width: size.width / pipeline.vaeScaleFactor };
  const noise = noiseFile && checkNoise(command.noise!, noiseFile, latent, `the pipeline's latents for ${size.height}×${size.width} images`);
  if (noise && noise.length / (latent.channels * latent.height * latent.width) !== batch) {
    throw new UsageError(
      `--noise ${command.noise}: ${noise.length / (latent.channels * latent.height * latent.width)} latent(s) for ${batch} image(s) (${prompts.length} prompt(s) × ${imagesPerPrompt} per prompt)`,
    );
  }
  const sizeConditioning = {
    ...(command.originalSize ? { originalSize: command.originalSize } : {}),
    ...(command.cropTopLeft ? { cropTopLeft: command.cropTopLeft } : {}),
    ...(command.targetSize ? { targetSize: command.targetSize } : {}),
  };
  if (Object.keys(sizeConditioning).length > 0 && pipeline.unetConfig.additionEmbed === undefined) {
    const flags = [command.originalSize && '--original-size', command.cropTopLeft && '--crop-top-left', command.targetSize && '--target-size'].filter(Boolean).join(', ');
    throw new UsageError(`${flags}: SDXL's size conditioning; ${pipeline.modelPath}'s UNet (${pipeline.pipelineClass}) does not take it`);
  }
  const clipSkip = command.clipSkip;
  if (clipSkip !== undefined && clipSkip >= pipeline.textEncoderLayers) {
    throw new UsageError(`--clip-skip ${clipSkip}: the text encoder has ${pipeline.textEncoderLayers} layers; at most ${pipeline.textEncoderLayers - 1}`);
  }
  const guidanceScale = command.guidanceScale ?? pipeline.defaultGuidanceScale;
  const guidance = guidanceKind(pipeline.unetConfig.timeCondProjDim, guidanceScale);
  const guided = guidance === 'classifier-free';
  const unguidedWhy =
    guidance === 'embedding'
      ? `a latent consistency model takes the guidance scale as an embedding and runs no classifier-free guidance`
      : `no classifier-free guidance at --guidance-scale ${guidanceScale} ≤ 1`;
  if (!guided && command.negativePrompts) stderr.write(`note: --negative-prompt has no effect: ${unguidedWhy}\n`);
  if (!guided && command.guidanceRescale) stderr.write(`note: --guidance-rescale has no effect: ${unguidedWhy}\n`);
  noteTruncation(pipeline, [...new Set([...prompts, ...(guided && negatives ? negatives : [])])], stderr);
  const startIndexOf = (scheduler: Scheduler, steps: number) => {
    try {
      return imageStartIndex(scheduler, steps, command.strength ?? DEFAULT_STRENGTH);
    } catch (error) {
      if (error instanceof InputError) throw new UsageError(`--strength: ${error.message}`, { cause: error });
      throw error;
    }
  };
  const setup = setUpScheduler(command, pipeline, context, false, init ? startIndexOf : undefined);
  const { scheduler, sampler, steps, plan } = setup;
  throwIfInterrupted(signal, 'before sampling');
  const progress = createProgress(stderr, `${sampler}-${steps}`);
  let result: TextToImageResult;
  try {
    result = await textToImage({
      model: pipeline.textToImageModel(clipSkip !== undefined ? { clipSkip } : {}),
      scheduler,
      steps,
      plan,
      prompts: perImagePrompts,
      negativePrompts: perImageNegatives,
      guidanceScale,
      ...(command.guidanceRescale !== undefined ? { guidanceRescale: command.guidanceRescale } : {}),
      height: size.height,
      width: size.width,
      sizeConditioning,
      ...(init ? { init: { image: init.image.data, strength: command.strength ?? DEFAULT_STRENGTH } } : {}),
      ...(noise ? { noise } : {}),
      ...loopSettings(command, { batch, progress, staging, signal }),
    });
  } finally {
    progress.stop();
  }

  const conditioning = {
    ...(init ? { [PNG_TEXT_KEYS.initImageSha256]: init.sha256, [PNG_TEXT_KEYS.strength]: String(command.strength ?? DEFAULT_STRENGTH) } : {}),
    [PNG_TEXT_KEYS.guidanceScale]: String(guidanceScale),
    ...(command.guidanceRescale ? { [PNG_TEXT_KEYS.guidanceRescale]: String(command.guidanceRescale) } : {}),
    ...(clipSkip !== undefined ? { [PNG_TEXT_KEYS.clipSkip]: String(clipSkip) } : {}),
    ...(command.originalSize ? { [PNG_TEXT_KEYS.originalSize]: command.originalSize.join(',') } : {}),
    ...(command.cropTopLeft ? { [PNG_TEXT_KEYS.cropTopLeft]: command.cropTopLeft.join(',') } : {}),
    ...(command.targetSize ? { [PNG_TEXT_KEYS.targetSize]: command.targetSize.join(',') } : {}),
  };
  const written = await writeImageOutputs(
    {
      images: { data: result.images, shape: result.imageShape },
      out: command.out,
      grid: command.grid,
      text: { ...(await runProvenance(pipeline, command, setup)), ...conditioning },
      perImage: (i) => ({
        [PNG_TEXT_KEYS.prompt]: perImagePrompts[i]!,
        ...(guided && perImageNegatives[i] !== null ? { [PNG_TEXT_KEYS.negativePrompt]: perImageNegatives[i]! } : {}),
        ...(command.perImageSeeds
          ? { [PNG_TEXT_KEYS.imageIndex]: String((command.firstImage ?? 0) + i), [PNG_TEXT_KEYS.imageSeed]: String(imageSeed(command.seed, (command.firstImage ?? 0) + i)) }
          : {}),
      }),
      gridText: { [PNG_TEXT_KEYS.prompt]: prompts.join('\n') },
      arrays: [
        ...(command.outNpy ? [{ file: command.outNpy, array: { dtype: 'float32' as const, shape: nhwcShape(result.imageShape), data: toOutputTypeNp(result.images, result.imageShape) } }] : []),
        ...(command.outLatents ? [{ file: command.outLatents, array: { dtype: 'float32' as const, shape: [...result.latents.shape], data: result.latents.samples } }] : []),
      ],
    },
    staging,
    signal,
  );
  const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);
  return {
    model: command.model,
    modelSha256: pipeline.sha256,
    ...(pipeline.hub ? { modelRevision: pipeline.hub.commit } : {}),
    executionProvider: pipeline.executionProvider,
    ...(pipeline.adapter ? { adapter: pipeline.adapter } : {}),
    sampler,
    schedulerClass: scheduler.className,
    steps,
    eta: setup.eta,
    timestepSpacing: scheduler.config.timestepSpacing,
    seed: command.seed,
    ...(command.perImageSeeds ? { imageSeeds: imageSeeds(command.seed, command.firstImage ?? 0, batch) } : {}),
    ...(command.noise ? { noise: command.noise } : {}),
    generator: command.generator,
    batch,
    textToImage: {
      pipeline: pipeline.pipelineClass,
      prompts,
      negativePrompts: negatives ?? [],
      imagesPerPrompt,
      guidanceScale,
      guidance: result.guidance,
      guidanceRescale: command.guidanceRescale ?? 0,
      ...(clipSkip !== undefined ? { clipSkip } : {}),
      ...sizeConditioning,
      height: size.height,
      width: size.width,
      ...(init ? { initImage: command.initImage!, strength: command.strength ?? DEFAULT_STRENGTH } : {}),
      timings: {
        textEncoderMs: result.timings.textMs,
        unetMs: sum(result.timings.loop.modelMs),
        loopMs: sum(result.timings.loop.loopMs),
        vaeDecodeMs: result.timings.decodeMs,
      },
    },
    ...written,
    ...(command.outNpy ? { npy: command.outNpy } : {}),
    ...(command.outLatents ? { latents: command.outLatents } : {}),
    ignoredConfigKeys: scheduler.ignoredKeys,
    totalMs: result.timings.totalMs,
    ...loopRates(result.latents, steps),
  };
}

/** diffusers' StableDiffusionImg2ImgPipeline default strength. */
const DEFAULT_STRENGTH = 0.8;

interface InitImage {
  readonly image: ImageBatch;
  readonly sha256: string;
}

/** --init-image as diffusers' VaeImageProcessor reads a PIL image: RGB (grayscale repeated, alpha dropped), p / 255 · 2 − 1. */
async function readInitImage(path: string): Promise<InitImage> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path);
  } catch (error) {
    if (error instanceof NotRegularFileError) throw new UsageError(`--init-image ${error.message}`, { cause: error });
    throw new UsageError(`--init-image ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  const { image } = decodePng(bytes, path);
  const rgb: Rgba8Image = image.channels === 3 ? image : { ...image, channels: 3, pixels: Uint8Array.from({ length: image.pixels.length * 3 }, (_, i) => image.pixels[Math.floor(i / 3)]!) };
  return { image: fromPixels(rgb), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The image size: the --init-image's, else the --noise latents' size × the VAE factor, else --height/--width, else the
 * pipeline's default; --height/--width must agree with an init image.
 */
function imageSize(pipeline: LoadedPipeline, command: SampleCommand, noise: NpyArray | undefined, init: InitImage | undefined): { readonly height: number; readonly width: number } {
  if (init) {
    const [, , h, w] = init.image.shape;
    if ((command.height !== undefined && command.height !== h) || (command.width !== undefined && command.width !== w)) {
      throw new UsageError(`--init-image ${command.initImage}: its ${h}×${w} size contradicts --height/--width (denoise does not resize the image)`);
    }
    if (h % pipeline.sizeMultiple !== 0 || w % pipeline.sizeMultiple !== 0) {
      throw new UsageError(
        `--init-image ${command.initImage}: ${h}×${w} is not a multiple of ${pipeline.sizeMultiple}; diffusers would resize it (Lanczos), denoise does not: crop or resize it first`,
      );
    }
    return { height: h, width: w };
  }
  const fromNoise = noise && noise.shape.length === 4 ? { height: noise.shape[2]! * pipeline.vaeScaleFactor, width: noise.shape[3]! * pipeline.vaeScaleFactor } : undefined;
  const height = fromNoise?.height ?? command.height ?? pipeline.defaultSize?.height;
  const width = fromNoise?.width ?? command.width ?? pipeline.defaultSize?.width;
  if (height === undefined || width === undefined) {
    throw new UsageError(`${pipeline.modelPath}: the UNet's config has no sample_size; pass --height and --width (multiples of ${pipeline.sizeMultiple})`);
  }
  const m = pipeline.sizeMultiple;
  if (height % m !== 0 || width % m !== 0) {
    const round = (v: number) => Math.max(m, Math.round(v / m) * m);
    throw new UsageError(
      `--height ${height} --width ${width}: both must be multiples of ${m} (the VAE's scale factor ${pipeline.vaeScaleFactor} × the UNet's downsampling ${m / pipeline.vaeScaleFactor}); e.g. ${round(height)}×${round(width)}`,
    );
  }
  return { height, width };
}

/** A prompt over the tokenizer's limit is cut, as diffusers cuts it; say how much. */
function noteTruncation(pipeline: LoadedPipeline, prompts: readonly string[], stderr: NodeJS.WriteStream): void {
  const { truncatedTokens } = pipeline.tokenize(prompts);
  prompts.forEach((prompt, i) => {
    const cut = truncatedTokens[i]!;
    if (cut > 0) {
      const shown = prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt;
      stderr.write(`note: "${shown}" is ${cut} token(s) over the text encoder's ${pipeline.maxTokens}-token limit; the end is cut, as diffusers cuts it\n`);
    }
  });
}

function nhwcShape(shape: readonly [number, number, number, number]): number[] {
  return [shape[0], shape[2], shape[3], shape[1]];
}

/** diffusers' output_type="np": (x / 2 + 0.5).clamp(0, 1), NHWC float32, in torch's float32 order of operations. */
function toOutputTypeNp(images: Float32Array, [n, c, h, w]: readonly [number, number, number, number]): Float32Array {
  const out = new Float32Array(images.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < plane; i++) {
        const v = Math.fround(Math.fround(images[(b * c + ch) * plane + i]! / 2) + 0.5);
        out[(b * plane + i) * c + ch] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return out;
}
