import { repositoryModelOptions } from '@denoise/repo-layout';
import { describeCacheVerification, formatGpuAdapter, openModel, SampleSizeError, type ExecutionProviderChoice } from '@denoise/runtime';
import { BenchInputError } from './bench-input-error.js';
import type { BenchLog, BenchModel, ModelModifiers, ModelSettings } from './bench-model.js';
import { modifiersOf } from './sampler-spec.js';
import { textToImageBenchModel } from './text-to-image-bench-model.js';
import { unconditionalBenchModel } from './unconditional-bench-model.js';

/**
 * Opens `settings.model` on a provider (openModel: a path, hf: or synthetic: reference) as the BenchModel of its kind,
 * which checks the flags that apply to it; nothing has run when it refuses.
 */
export async function openBenchModel(settings: ModelSettings, executionProvider: ExecutionProviderChoice, log: BenchLog): Promise<BenchModel> {
  return withVariants(await openModelKind(settings, executionProvider, log, {}), (modifiers) => openModelKind(settings, executionProvider, log, modifiers), log);
}

/**
 * A model with its variants: each set of modifiers a configuration names is opened once, on first use, from the same
 * reference and settings, warmed up before any of its batches is timed, and disposed with the model.
 */
function withVariants(base: Omit<BenchModel, 'variant'>, open: (modifiers: ModelModifiers) => Promise<Omit<BenchModel, 'variant'>>, log: BenchLog): BenchModel {
  const variants = new Map<string, Promise<BenchModel>>();
  const model: BenchModel = {
    ...base,
    variant: (modifiers) => {
      const key = modifiersOf(modifiers);
      if (key === '') return Promise.resolve(model);
      let opened = variants.get(key);
      if (!opened) {
        opened = (async () => {
          log(`opening the model with ${key}`);
          const variant = await open(modifiers);
          await variant.warmup();
          return { ...variant, variant: model.variant };
        })();
        variants.set(key, opened);
      }
      return opened;
    },
    dispose: async () => {
      const opened = await Promise.allSettled(variants.values());
      for (const v of opened) if (v.status === 'fulfilled') await v.value.dispose();
      await base.dispose();
    },
  };
  return model;
}

async function openModelKind(settings: ModelSettings, executionProvider: ExecutionProviderChoice, log: BenchLog, modifiers: ModelModifiers): Promise<Omit<BenchModel, 'variant'>> {
  const sampleShape = { ...(settings.height !== undefined ? { height: settings.height } : {}), ...(settings.width !== undefined ? { width: settings.width } : {}) };
  const opened = await openModel(settings.model, {
    ...repositoryModelOptions(),
    executionProvider,
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    ...(settings.variant !== undefined ? { variant: settings.variant } : {}),
    ...(settings.verifyCache ? { verifyCache: true } : {}),
    sampleShape,
    ...(modifiers.deepcache ? { deepCache: { interval: modifiers.deepcache.interval, branch: modifiers.deepcache.branch } } : {}),
    ...(modifiers.int8 ? { precision: 'int8' as const } : {}),
    log,
    onDownload: (p) => {
      if (p.done) log(`downloaded ${p.path} (${(p.totalBytes / 2 ** 20).toFixed(1)} MiB${p.resumedFromBytes > 0 ? `, resumed at ${(p.resumedFromBytes / 2 ** 20).toFixed(1)} MiB` : ''})`);
    },
  }).catch((error: unknown) => {
    // The runtime names what is missing; the flags that give it are the bench's.
    if (error instanceof SampleSizeError) throw new BenchInputError(`${error.message} (--height and --width)`, { cause: error });
    throw error;
  });
  try {
    if (opened.adapter) log(`${opened.executionProvider} adapter: ${formatGpuAdapter(opened.adapter)}`);
    if (opened.hub?.verified) log(`${settings.model}: ${describeCacheVerification(opened.hub.verified)}`);
    return opened.kind === 'text-to-image' ? textToImageBenchModel(opened, settings, log) : unconditionalBenchModel(opened, settings, log);
  } catch (error) {
    await opened.dispose();
    throw error;
  }
}
