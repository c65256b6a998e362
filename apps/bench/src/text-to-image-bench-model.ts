import type { LoadedPipeline } from '@denoise/runtime';
import { guidanceKind, latentSize, textToImage } from '@denoise/sampler';
import { BenchInputError } from './bench-input-error.js';
import { BARE_TIMESTEP, sumMs, type BenchLog, type BenchModel, type ModelSettings } from './bench-model.js';
import { callKindTimes } from './call-kinds.js';
import { defaultPromptSet, promptsOfImages } from './prompt-set.js';

/**
 * A text-to-image pipeline (Stable Diffusion) as the bench runs it: each batch is textToImage — its images' prompts
 * encoded (with the negative prompts under guidance), the one sampling loop over latents from the per-image seeds,
 * the VAE decode — timed part by part. Image i takes prompts[i mod P]. The bare calls are the UNet's, at the batch
 * guidance runs it (2 × batch), on zero text embeddings. Refuses class labels and a size the pipeline cannot make.
 */
export function textToImageBenchModel(pipeline: LoadedPipeline, settings: ModelSettings, log: BenchLog): Omit<BenchModel, 'variant'> {
  const what = `${pipeline.modelPath} is a text-to-image pipeline (${pipeline.pipelineClass})`;
  if (settings.classLabels) throw new BenchInputError(`--class-label: ${what}, conditioned on prompts (--prompts), not on class labels`);
  const size = imageSize(pipeline, settings);
  const parts = Object.entries(pipeline.components).map(([name, c]) => `${name} ${(c.parameterCount / 1e6).toFixed(1)} M (build ${c.buildMs.toFixed(0)} ms, session ${c.sessionMs.toFixed(0)} ms)`);
  log(`loaded ${pipeline.pipelineClass} ${pipeline.modelPath}: ${parts.join('; ')}`);
  for (const note of pipeline.notes) log(`note: ${note}`);

  const prompts = settings.prompts ?? defaultPromptSet();
  const negativePrompt = settings.negativePrompt ?? null;
  const guidanceScale = settings.guidanceScale ?? pipeline.defaultGuidanceScale;
  const guidance = guidanceKind(pipeline.unetConfig.timeCondProjDim, guidanceScale);
  const guided = guidance === 'classifier-free';
  if (!guided && settings.negativePrompt !== undefined) log(`note: --negative-prompt has no effect: ${guidance === 'embedding' ? 'a latent consistency model runs no classifier-free guidance' : `no guidance at --guidance-scale ${guidanceScale} ≤ 1`}`);
  const { truncatedTokens } = pipeline.tokenize([...prompts.prompts, ...(negativePrompt !== null ? [negativePrompt] : [])]);
  const cut = truncatedTokens.filter((n) => n > 0).length;
  if (cut > 0) log(`note: ${cut} prompt(s) are over the text encoder's ${pipeline.maxTokens}-token limit; their ends are cut, as diffusers cuts them`);

  const { batch } = settings;
  const model = pipeline.textToImageModel();
  const latent = latentSize(size.height, size.width, pipeline.vaeScaleFactor);
  const unetBatch = guided ? 2 * batch : batch;
  const unet = pipeline.zeroConditionedUNet(unetBatch, latent);
  const noiseDims = { channels: pipeline.latentChannels, ...latent };
  log(`${size.height}×${size.width} images from ${noiseDims.channels}×${latent.height}×${latent.width} latents; ${prompts.prompts.length} prompt(s) from ${prompts.source}; guidance scale ${guidanceScale}${guided ? ` (the UNet runs at batch ${unetBatch})` : guidance === 'embedding' ? ' (as the UNet\'s guidance embedding)' : ' (no guidance)'}`);
  return {
    modelPath: pipeline.modelPath,
    sha256: pipeline.sha256,
    ...(pipeline.hub ? { modelRevision: pipeline.hub.commit } : {}),
    executionProvider: pipeline.executionProvider,
    ...(pipeline.adapter ? { adapter: pipeline.adapter } : {}),
    sessionMs: Object.values(pipeline.components).reduce((sum, c) => sum + c.sessionMs, 0),
    schedulerConfig: pipeline.schedulerConfig,
    schedulerConfigPath: pipeline.schedulerConfigPath,
    learnedVariance: false,
    batch,
    noiseDims,
    imageSize: size,
    textToImage: { pipeline: pipeline.pipelineClass, prompts: [...prompts.prompts], promptsSha256: prompts.sha256, negativePrompt, guidanceScale, guidance },
    warmup: async () => {
      await model.encodePrompts(new Array<string>(batch).fill(''), 'prompt');
      await unet.warmup(unetBatch);
      await model.decode(new Float32Array(batch * noiseDims.channels * latent.height * latent.width), batch, latent);
    },
    bareRun: (noise) => {
      // Guidance runs the UNet on [x, x] (ClassifierFreeGuidance): the bare call gets the same doubled batch.
      const input = guided ? new Float32Array(2 * noise.length) : noise;
      if (guided) {
        input.set(noise, 0);
        input.set(noise, noise.length);
      }
      return unet.bareRun(input, BARE_TIMESTEP);
    },
    generate: async ({ loop, first }) => {
      const imagePrompts = promptsOfImages(prompts, first, batch);
      const result = await textToImage({
        ...loop,
        model,
        prompts: imagePrompts,
        negativePrompts: imagePrompts.map(() => negativePrompt),
        guidanceScale,
        height: size.height,
        width: size.width,
      });
      return {
        images: result.images,
        shape: result.imageShape,
        modelCalls: result.latents.timesteps.length,
        timings: {
          modelMs: sumMs(result.timings.loop.modelMs),
          loopMs: sumMs(result.timings.loop.loopMs),
          textMs: result.timings.textMs,
          decodeMs: result.timings.decodeMs,
          byKind: callKindTimes(result.timings.loop.modelMs, { deepCache: unet.deepCacheOptions, int8: false }),
        },
      };
    },
    dispose: () => pipeline.dispose(),
  };
}

/** --height/--width, else the pipeline's default size; both multiples of its size multiple (VAE factor × UNet downsampling). */
function imageSize(pipeline: LoadedPipeline, settings: Pick<ModelSettings, 'height' | 'width'>): { height: number; width: number } {
  const height = settings.height ?? pipeline.defaultSize?.height;
  const width = settings.width ?? pipeline.defaultSize?.width;
  const m = pipeline.sizeMultiple;
  if (height === undefined || width === undefined) {
    throw new BenchInputError(`${pipeline.modelPath}: the UNet's config has no sample_size; pass --height and --width (multiples of ${m})`);
  }
  if (height % m !== 0 || width % m !== 0) {
    const round = (v: number) => Math.max(m, Math.round(v / m) * m);
    throw new BenchInputError(
      `--height ${height} --width ${width}: both must be multiples of ${m} (the VAE's scale factor ${pipeline.vaeScaleFactor} × the UNet's downsampling ${m / pipeline.vaeScaleFactor}); e.g. ${round(height)}×${round(width)}`,
    );
  }
  return { height, width };
}
