import type { ImageBatch } from '@denoise/image';
import type { ExecutionProvider } from '@denoise/runtime';
import { parseSamplerSpec } from './sampler-spec.js';
import { configurationPlan } from './configuration-plan.js';
import { batchSeeds, configurationRun } from './run-shard.js';
import type { CrossProvider, CrossProviderRow, CrossProviderRun } from './bench-result.js';
import type { BenchLog } from './bench-model.js';
import { openBenchModel } from './open-bench-model.js';
import { compareWithReference } from './quality.js';
import type { BenchRun, BenchSettings } from './run-bench.js';

/**
 * `--ep A,B,…`: after the timed sweep on the primary provider A, the same model is loaded on each further provider and
 * every configuration runs batch 0 once, from the same per-image seeds (so the same x_T and, for stochastic
 * configurations, the same step noise), at the same batch. Its final images are compared with A's first batch of that configuration: the
 * largest absolute difference of the float images, and SSIM of the 8-bit images. Providers compute in float32 with
 * different kernels, so small differences are expected; a wrong kernel shows up as a large one.
 */
export async function runCrossProviders(
  settings: BenchSettings,
  run: BenchRun,
  providers: readonly ExecutionProvider[],
  log: BenchLog,
): Promise<CrossProvider> {
  const runs: CrossProviderRun[] = [];
  for (const provider of providers) runs.push(await runOnProvider(settings, run, provider, log));
  return { primary: run.result.settings.executionProvider as ExecutionProvider, providers: runs };
}

async function runOnProvider(settings: BenchSettings, run: BenchRun, provider: ExecutionProvider, log: BenchLog): Promise<CrossProviderRun> {
  const model = await openBenchModel(settings, provider, log);
  try {
    if (model.sha256 !== run.result.settings.modelSha256) {
      throw new Error(`${provider}: loaded a different model (${model.sha256.slice(0, 12)}…) than the primary run (${run.result.settings.modelSha256.slice(0, 12)}…)`);
    }
    const primary = run.result.settings.executionProvider;
    log(`${provider}: session ${model.sessionMs.toFixed(0)} ms`);
    const warmupStarted = performance.now();
    await model.warmup();
    const warmupMs = performance.now() - warmupStarted;
    log(`${provider}: warm-up call ${warmupMs.toFixed(0)} ms`);
    const names = run.result.configurations.map((c) => c.name);
    const rows: CrossProviderRow[] = [];
    for (const [index, name] of names.entries()) {
      const label = `${provider} [${index + 1}/${names.length}] ${name}`;
      const reference = run.samples.get(name);
      if (reference === undefined) throw new Error(`${name}: the ${primary} run kept no images to compare with`);
      const started = performance.now();
      const variant = await model.variant(parseSamplerSpec(name));
      const generated = await variant.generate({ loop: configurationRun({ plan: configurationPlan(model, name), imageSeeds: batchSeeds(settings, 0), label, log }), first: 0 });
      const wallMs = performance.now() - started;
      const images: ImageBatch = { data: generated.images, shape: generated.shape };
      const row: CrossProviderRow = { name, maxAbsDiff: maxAbsDiff(images, reference), ssimMean: compareWithReference(images, reference).ssimMean, wallMs };
      log(`${label}: ${wallMs.toFixed(0)} ms, max abs diff vs ${primary} ${row.maxAbsDiff.toExponential(2)}, SSIM ${row.ssimMean.toFixed(5)}`);
      rows.push(row);
    }
    return {
      executionProvider: model.executionProvider,
      ...(model.adapter ? { adapter: model.adapter } : {}),
      sessionMs: model.sessionMs,
      warmupMs,
      rows,
    };
  } finally {
    await model.dispose();
  }
}

export function maxAbsDiff(a: ImageBatch, b: ImageBatch): number {
  if (a.data.length !== b.data.length) throw new Error(`cannot compare ${a.data.length} values with ${b.data.length}`);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (d > max) max = d;
  }
  return max;
}
