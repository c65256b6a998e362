import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBatch } from '@denoise/image';
import { denoiseVersion, gitState } from '@denoise/repo-layout';
import type { ExecutionProvider, ExecutionProviderChoice } from '@denoise/runtime';
import { defaultSamplerFor } from '@denoise/sampler';
import { BenchInputError } from './bench-input-error.js';
import type { BenchLog, BenchModel, ModelSettings } from './bench-model.js';
import { describeFeatureSpace, openFeatureSpace, type FeatureSpace, type FeatureSpaceSpec } from './fid/feature-space.js';
import { assertReferenceFits, loadFidReference, writeShardReference, type FidReference, type FidReferenceSpec } from './fid/fid-reference.js';
import { loadSweep, mergeSweep, type MergedSweep } from './merge-sweep.js';
import { openBenchModel } from './open-bench-model.js';
import { configurationPlan, isPlanRefusal } from './configuration-plan.js';
import { firstNoise, runShard } from './run-shard.js';
import { formatSamplerSpec, parseSamplerSpec, parseSamplerSpecs, type SamplerSpec } from './sampler-spec.js';
import { SWEEP_SCHEMA, sweepIdOf, type Shard, type SweepPlan } from './sweep-plan.js';
import { openShardDir } from './sweep-store.js';
import type { BootstrapSettings } from './timing-stats.js';
import { timeIterations } from './wall-time.js';

export type { BenchLog } from './bench-model.js';

export interface BenchSettings extends ModelSettings {
  /** The primary provider: the sweep is timed on it. */
  readonly executionProvider: ExecutionProviderChoice;
  /** `--ep A,B,…`: B, …, on which every configuration runs once more and is compared with A's images. */
  readonly crossProviders?: readonly ExecutionProvider[];
  /** The run seed: image i of every configuration draws from imageSeed(seed, i). */
  readonly seed: number;
  readonly samplers: readonly SamplerSpec[];
  /** The configuration the others are compared with image by image; undefined for `--reference none`. */
  readonly reference: SamplerSpec | undefined;
  /**
   * `samplers` / `reference` are the generic defaults (made for the DDPM family), not the user's: a model whose
   * scheduler config names its own sampler (an LCM folder) gets that sampler's defaults instead (modelDefaults).
   */
  readonly samplersDefaulted?: boolean;
  readonly referenceDefaulted?: boolean;
  /** Timed batches per configuration, or 'auto': as many as fit in `autoBudgetMs` (at least MIN_ROUNDS, at most 20). */
  readonly iterations: number | 'auto';
  readonly autoBudgetMs: number;
  readonly quick: boolean;
  /** `--quality fid`: generate this many samples per configuration and measure FID/KID on them. */
  readonly fid?: FidSettings;
  readonly bootstrap: BootstrapSettings;
  /** Bare session.run calls timed at the start of each round. */
  readonly bareCalls: number;
}

export interface FidSettings {
  readonly samples: number;
  /** Where the features come from (the embedded classifier, pytorch-fid's Inception, an ONNX extractor). */
  readonly space: FeatureSpaceSpec;
  /** What the generated images are scored against. */
  readonly reference: FidReferenceSpec;
  /** Where an unsharded FID sweep keeps its finished units (sweeps/<sweep id>/shard-1-of-1), so a rerun resumes. */
  readonly workRoot: string;
}

/** A merged sweep (result, grids, batch 0's images) and batch 0's x_T, for the runs that compare with other frameworks. */
export interface BenchRun extends MergedSweep {
  /** x_T of batch 0 (image i from imageSeed(seed, i)), shared by every configuration; a pipeline's latents. */
  readonly noise: ImageBatch;
}

/** At least this many interleaved rounds per configuration with `--iterations auto` (the reference runs once). */
export const MIN_ROUNDS = 3;

/**
 * Every configuration, the reference included, is created against the model's scheduler config and given its step
 * count before anything is timed, so that a configuration that cannot run (ddim-2000 on a 1000-step model) stops
 * the bench at once, naming each such configuration and why, rather than after the others have run.
 */
export function checkConfigurations(
  model: Pick<BenchModel, 'modelPath' | 'schedulerConfig' | 'schedulerConfigPath' | 'learnedVariance'>,
  settings: Pick<BenchSettings, 'samplers' | 'reference'>,
): void {
  if (model.schedulerConfig === undefined) throw new BenchInputError(`${model.modelPath}: no scheduler_config.json found beside the model`);
  const source = model.schedulerConfigPath ?? `the default scheduler config of ${model.modelPath}`;
  const roles = [...(settings.reference ? [{ role: '--reference', spec: settings.reference }] : []), ...settings.samplers.map((spec) => ({ role: '--samplers', spec }))];
  const problems: string[] = [];
  for (const { role, spec } of roles) {
    try {
      configurationPlan(model, formatSamplerSpec(spec));
    } catch (error) {
      if (!isPlanRefusal(error)) throw error;
      problems.push(`${role} ${formatSamplerSpec(spec)}: ${error.message}`);
    }
  }
  if (problems.length > 0) {
    throw new BenchInputError(`${problems.length === 1 ? 'a configuration' : `${problems.length} configurations`} cannot run with ${source}:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The quality-speed table: the sweep is planned, run as one shard in a work folder (interleaved rounds, per-image
 * seeds), and merged into the result, exactly as a sharded sweep would be; a non-FID work folder is temporary, an
 * FID one is kept so that an interrupted run resumes.
 */
export async function runBench(settings: BenchSettings, log: BenchLog): Promise<BenchRun> {
  const date = new Date();
  return withModel(settings, log, async (model, settings, fid) => {
    const plan = await planSweep(settings, model, fid, log);
    const workRoot = settings.fid ? join(settings.fid.workRoot, sweepIdOf(plan)) : await mkdtemp(join(tmpdir(), 'denoise-bench-'));
    try {
      const { dir } = await runPlannedShard({ settings, model, plan, shard: { index: 1, count: 1 }, outDir: workRoot, fid, log });
      const merged = await mergeSweep(await loadSweep([dir]), { bootstrap: settings.bootstrap, log, date });
      const { channels, height, width } = model.noiseDims;
      return { ...merged, noise: { data: firstNoise(model, plan), shape: [plan.batch, channels, height, width] } };
    } finally {
      if (!settings.fid) await rm(workRoot, { recursive: true, force: true });
    }
  });
}

/** `--shard K/N`: this shard's units of the sweep, into `<outDir>/shard-K-of-N/` (resuming finished units). */
export async function runBenchShard(settings: BenchSettings, shard: Shard, outDir: string, log: BenchLog): Promise<{ dir: string; ran: number; resumed: number; sweepId: string }> {
  if (settings.iterations === 'auto' && !settings.fid) {
    throw new BenchInputError("--shard needs a plan every host computes alike: pass --iterations N (auto depends on each host's speed) or --quality fid");
  }
  return withModel(settings, log, async (model, settings, fid) => runPlannedShard({ settings, model, plan: await planSweep(settings, model, fid, log), shard, outDir, fid, log }));
}

interface PlannedShard {
  readonly settings: BenchSettings;
  readonly model: BenchModel;
  readonly plan: SweepPlan;
  readonly shard: Shard;
  /** The folder that receives shard-K-of-N/. */
  readonly outDir: string;
  readonly fid: FidContext | undefined;
  readonly log: BenchLog;
}

async function runPlannedShard({ settings, model, plan, shard, outDir, fid, log }: PlannedShard) {
  const { dir, sweepId } = await openShardDir(outDir, plan, shard);
  if (fid) await writeShardReference(dir, fid.reference);
  const done = await runShard({ model, plan, shard, dir, sweepId, ...(fid ? { featureSpace: fid.space } : {}), bareCalls: settings.bareCalls, log });
  return { dir, sweepId, ...done };
}

/** An FID sweep's feature extractor and reference, opened before the sweep is planned (the plan names both by sha256). */
interface FidContext {
  readonly space: FeatureSpace;
  readonly reference: FidReference;
}

async function withModel<T>(given: BenchSettings, log: BenchLog, body: (model: BenchModel, settings: BenchSettings, fid: FidContext | undefined) => Promise<T>): Promise<T> {
  const model = await openBenchModel(given, given.executionProvider, log);
  let space: FeatureSpace | undefined;
  try {
    const settings = modelDefaults(model, given, log);
    checkConfigurations(model, settings);
    // Every variant a configuration names (+deepcacheN, +int8) is opened now: one the model cannot take is refused
    // before anything runs, and each is warmed up (int8: calibrated) before any batch is timed.
    for (const spec of [...settings.samplers, ...(settings.reference ? [settings.reference] : [])]) await model.variant(spec);
    let fid: FidContext | undefined;
    if (settings.fid) {
      space = await openFeatureSpace(settings.fid.space, settings.threads !== undefined ? { threads: settings.threads } : {});
      log(`FID features: ${describeFeatureSpace(space.spec)}, sha256 ${space.sha256.slice(0, 12)}…, ${space.featureDim}-d`);
      const reference = await loadFidReference(settings.fid.reference, space, log);
      assertReferenceFits(reference, space);
      fid = { space, reference };
    }
    return await body(model, settings, fid);
  } finally {
    await space?.dispose();
    await model.dispose();
  }
}

/** An LCM folder's own configurations: its sampler at the step counts LCM is used at, against its 8-step images. */
export const LCM_DEFAULTS = { samplers: 'lcm-1,lcm-2,lcm-4,lcm-8', reference: 'lcm-8' } as const;

/**
 * The settings with the model's own defaults where the user left --samplers / --reference to the generic ones: an
 * LCMScheduler folder runs lcm-1 … lcm-8 against lcm-8 (the DDPM family's list would never run its sampler).
 */
export function modelDefaults(model: Pick<BenchModel, 'schedulerConfig'>, settings: BenchSettings, log?: BenchLog): BenchSettings {
  if (!settings.samplersDefaulted || model.schedulerConfig === undefined || defaultSamplerFor(model.schedulerConfig) !== 'lcm') return settings;
  const reference = settings.referenceDefaulted ? parseSamplerSpec(LCM_DEFAULTS.reference) : settings.reference;
  log?.(`an LCMScheduler folder: configurations ${LCM_DEFAULTS.samplers}, reference ${reference ? formatSamplerSpec(reference) : 'none'} (--samplers and --reference override)`);
  return { ...settings, samplers: parseSamplerSpecs(LCM_DEFAULTS.samplers), reference };
}

/**
 * The sweep's plan: the configurations as asked, the reference last unless listed (one batch, for its images); with
 * `--quality fid` every other configuration makes `samples` images; otherwise each runs `--iterations` batches, or
 * with auto as many as fit in the budget at the bare model speed measured here (MIN_ROUNDS … 20).
 */
async function planSweep(settings: BenchSettings, model: BenchModel, fid: FidContext | undefined, log: BenchLog): Promise<SweepPlan> {
  const names = settings.samplers.map(formatSamplerSpec);
  const reference = settings.reference ? formatSamplerSpec(settings.reference) : 'none';
  const specs = [...settings.samplers, ...(settings.reference && !names.includes(reference) ? [settings.reference] : [])];
  let perCallMs = 0;
  if (settings.iterations === 'auto' && !settings.fid) {
    await model.warmup();
    const bare = await timeIterations('bare session.run', settings.bareCalls, model.bareRun(firstNoise(model, settings)));
    perCallMs = bare.meanMs;
    log(`bare session.run: ${perCallMs.toFixed(2)} ms per call at batch ${settings.batch} (${model.executionProvider}); planning ~${(settings.autoBudgetMs / 1000).toFixed(0)} s per configuration`);
  }
  const configurations = specs.map((spec) => {
    const name = formatSamplerSpec(spec);
    const isOnlyReference = name === reference && !names.includes(name);
    const { scheduler, stochastic, timesteps } = configurationPlan(model, name);
    let batches: number;
    if (isOnlyReference) batches = 1;
    else if (settings.fid) batches = Math.ceil(settings.fid.samples / settings.batch);
    else if (settings.iterations === 'auto') batches = Math.max(MIN_ROUNDS, Math.min(20, Math.floor(settings.autoBudgetMs / (timesteps.length * perCallMs))));
    else batches = settings.iterations;
    const fid = settings.fid !== undefined && !isOnlyReference;
    return { name, batches, images: fid ? settings.fid!.samples : batches * settings.batch, spacing: scheduler.config.timestepSpacing, stochastic, fid };
  });
  return {
    schema: SWEEP_SCHEMA,
    model: settings.model,
    modelSha256: model.sha256,
    ...(model.modelRevision !== undefined ? { modelRevision: model.modelRevision } : {}),
    executionProvider: model.executionProvider,
    threads: settings.threads ?? null,
    batch: settings.batch,
    seed: settings.seed,
    generator: 'torch',
    iterations: settings.iterations,
    quick: settings.quick,
    configurations,
    reference,
    ...(settings.fid && fid ? { fid: fidPlan(settings.fid, fid) } : {}),
    ...(settings.classLabels ? { classLabels: [...settings.classLabels] } : {}),
    ...(settings.variant !== undefined ? { variant: settings.variant } : {}),
    imageSize: { ...model.imageSize },
    ...(model.textToImage ? { textToImage: model.textToImage } : {}),
    code: { denoise: denoiseVersion(), ...gitState() },
  };
}

/** The plan's record of an FID sweep: what the extractor and the reference are, by sha256. */
function fidPlan(settings: FidSettings, { space, reference }: FidContext): NonNullable<SweepPlan['fid']> {
  return {
    samples: settings.samples,
    classifier: describeFeatureSpace(space.spec),
    classifierSha256: space.sha256,
    protocol: space.spec.kind === 'classifier' ? null : space.spec.protocol,
    reference: reference.label,
    referenceSha256: reference.sha256,
  };
}
