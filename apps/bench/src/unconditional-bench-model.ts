import { assertBatchFitsMemory, type LoadedModel } from '@denoise/runtime';
import { sample } from '@denoise/sampler';
import { BenchInputError } from './bench-input-error.js';
import { BARE_TIMESTEP, sumMs, type BenchLog, type BenchModel, type ModelSettings } from './bench-model.js';
import { callKindTimes } from './call-kinds.js';

/**
 * An unconditional denoiser (a UNet2DModel folder, an ONNX file) as the bench runs it: x_T through sample(), the
 * denoiser conditioned on the class labels of a class-conditional model. Refuses the text-to-image flags.
 */
export function unconditionalBenchModel(model: LoadedModel, settings: ModelSettings, log: BenchLog): Omit<BenchModel, 'variant'> {
  const textFlags = [
    settings.prompts !== undefined ? '--prompts' : undefined,
    settings.negativePrompt !== undefined ? '--negative-prompt' : undefined,
    settings.guidanceScale !== undefined ? '--guidance-scale' : undefined,
  ].filter((flag): flag is string => flag !== undefined);
  if (textFlags.length > 0) {
    throw new BenchInputError(`${textFlags.join(', ')}: ${model.modelPath} is an unconditional model; ${textFlags.length === 1 ? 'it applies' : 'they apply'} to text-to-image pipelines only`);
  }
  if (model.built) {
    const calibrationMs = model.int8?.calibration.calibrationMs;
    const int8 = model.int8 ? `; int8: ${model.int8.quantizedConvs} convolutions, ranges ${calibrationMs !== undefined ? `calibrated in ${(calibrationMs / 1000).toFixed(0)} s (part of the graph time)` : `from ${model.int8.calibration.file}`}` : '';
    const deepCache = model.built.deepCache ? `; DeepCache branch ${model.built.deepCache.branch}: the shallow forward reads ${((100 * model.built.deepCache.shallowParameterCount) / model.built.parameterCount).toFixed(1)} % of the weights` : '';
    log(`built ${model.modelPath}: ${(model.built.parameterCount / 1e6).toFixed(1)} M parameters, graph ${model.built.buildMs.toFixed(0)} ms, session ${model.sessionMs.toFixed(0)} ms${int8}${deepCache}`);
  }
  const { batch } = settings;
  assertBatchFitsMemory(model, batch);
  const denoiser = model.denoiser.forClassLabels(settings.classLabels, batch);
  const { channels, height, width } = model.signature;
  return {
    modelPath: model.modelPath,
    sha256: model.sha256,
    ...(model.hub ? { modelRevision: model.hub.commit } : {}),
    executionProvider: model.executionProvider,
    ...(model.adapter ? { adapter: model.adapter } : {}),
    sessionMs: model.sessionMs,
    schedulerConfig: model.schedulerConfig,
    ...(model.schedulerConfigPath !== undefined ? { schedulerConfigPath: model.schedulerConfigPath } : {}),
    learnedVariance: model.signature.outputChannels === 2 * channels,
    batch,
    noiseDims: { channels, height, width },
    imageSize: { height, width },
    warmup: () => denoiser.warmup(batch),
    bareRun: (noise) => denoiser.bareRun(noise, BARE_TIMESTEP),
    generate: async ({ loop }) => {
      const result = await sample({ ...loop, denoiser });
      return {
        images: result.samples,
        shape: result.shape,
        modelCalls: result.timesteps.length,
        timings: {
          modelMs: sumMs(result.timings.modelMs),
          loopMs: sumMs(result.timings.loopMs),
          byKind: callKindTimes(result.timings.modelMs, { deepCache: denoiser.deepCacheOptions, int8: model.int8 !== undefined }),
        },
      };
    },
    dispose: () => model.dispose(),
  };
}
