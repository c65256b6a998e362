import { encodePng, makeGrid, toPixels, type ImageBatch } from '@denoise/image';
import { formatGpuAdapter, loadFeatureExtractor, loadModel, type ExecutionProvider, type ExecutionProviderChoice, type FeatureExtractor, type LoadedModel } from '@denoise/runtime';
import { createScheduler, sample, type SampleOptions, type SampleResult, type StepEvent } from '@denoise/sampler';
import { torchRandn } from '@denoise/schedule';
import { BENCH_RESULT_SCHEMA, type BenchResult, type ConfigurationResult, type Quality, type WallTime } from './bench-result.js';
import { describeEnvironment } from './environment.js';
import { distributionQuality, loadReferenceStatistics, type ReferenceStatistics } from './distribution-quality.js';
import { loadFinished, saveFinished, type FinishedConfiguration } from './fid-work.js';
import { compareWithReference } from './quality.js';
import { formatSamplerSpec, isStochastic, samplerSpecOverrides, type SamplerSpec } from './sampler-spec.js';
import { timeIterations } from './wall-time.js';

export interface BenchSettings {
  readonly model: string;
  /** The primary provider: the sweep is timed on it. */
  readonly executionProvider: ExecutionProviderChoice;
  /** `--ep A,B,…`: B, …, on which every configuration runs once more and is compared with A's images. */
  readonly crossProviders?: readonly ExecutionProvider[];
  readonly threads?: number;
  /** Class labels of a class-conditional model: one for every image, or one per image. */
  readonly classLabels?: readonly number[];
  /** diffusers weights variant (e.g. 'fp16'). */
  readonly variant?: string;
  readonly batch: number;
  readonly seed: number;
  readonly samplers: readonly SamplerSpec[];
  /** The configuration the others are compared with image by image; undefined for `--reference none`. */
  readonly reference: SamplerSpec | undefined;
  /** A fixed count, or 'auto': as many runs as fit in `autoBudgetMs` per configuration (at least 1). */
  readonly iterations: number | 'auto';
  readonly autoBudgetMs: number;
  readonly quick: boolean;
  /** `--quality fid`: generate this many samples per configuration and measure FID/KID on them. */
  readonly fid?: FidSettings;
}

export interface FidSettings {
  readonly samples: number;
  readonly classifier: string;
  readonly referenceStats: string;
  /** Finished configurations are kept here, so an interrupted run resumes where it stopped. */
  readonly workDir: string;
}

export interface BenchRun {
  readonly result: BenchResult;
  /** A PNG grid of each configuration's images (same x_T), for the HTML report. */
  readonly grids: ReadonlyMap<string, Buffer>;
  /** Each configuration's final images, for comparisons with other frameworks. */
  readonly samples: ReadonlyMap<string, ImageBatch>;
  /** x_T, shared by every configuration. */
  readonly noise: ImageBatch;
}

export type BenchLog = (line: string) => void;

/** An input the bench cannot use: no scheduler config, or configurations that the model's scheduler config refuses (exit 2). */
export class BenchInputError extends Error {
  override readonly name = 'BenchInputError';
}

/**
 * Every configuration, the reference included, is created against the model's scheduler config and given its step
 * count before anything is timed, so that a configuration that cannot run (ddim-2000 on a 1000-step model) stops
 * the bench at once, naming each such configuration and why, rather than after the others have run.
 */
export function checkConfigurations(model: Pick<LoadedModel, 'modelPath' | 'schedulerConfig' | 'schedulerConfigPath'>, settings: Pick<BenchSettings, 'samplers' | 'reference'>): void {
  if (model.schedulerConfig === undefined) throw new BenchInputError(`${model.modelPath}: no scheduler_config.json found beside the model`);
  const source = model.schedulerConfigPath ?? `the default scheduler config of ${model.modelPath}`;
  const roles = [...(settings.reference ? [{ role: '--reference', spec: settings.reference }] : []), ...settings.samplers.map((spec) => ({ role: '--samplers', spec }))];
  const problems: string[] = [];
  for (const { role, spec } of roles) {
    try {
      createScheduler(spec.kind, model.schedulerConfig, samplerSpecOverrides(spec)).setTimesteps(spec.steps);
    } catch (error) {
      problems.push(`${role} ${formatSamplerSpec(spec)}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new BenchInputError(`${problems.length === 1 ? 'a configuration' : `${problems.length} configurations`} cannot run with ${source}:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The quality-speed table: every configuration samples the same x_T through the one sampling loop, timed by
 * tinybench; the reference configuration (DDIM-1000 by default, the ODE limit that DDIM-S approximates) is
 * run first so each deterministic configuration can be compared with it image by image.
 */
export async function runBench(settings: BenchSettings, log: BenchLog): Promise<BenchRun> {
  const started = new Date();
  const model = await loadModel(settings.model, {
    executionProvider: settings.executionProvider,
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    ...(settings.variant !== undefined ? { variant: settings.variant } : {}),
    log,
    onDownload: (p) => {
      if (p.done) log(`downloaded ${p.path} (${(p.totalBytes / 2 ** 20).toFixed(1)} MiB${p.resumedFromBytes > 0 ? `, resumed at ${(p.resumedFromBytes / 2 ** 20).toFixed(1)} MiB` : ''})`);
    },
  });
  try {
    if (model.adapter) log(`${model.executionProvider} adapter: ${formatGpuAdapter(model.adapter)}`);
    if (model.built) {
      log(`built ${model.modelPath}: ${(model.built.parameterCount / 1e6).toFixed(1)} M parameters, graph ${model.built.buildMs.toFixed(0)} ms, session ${model.sessionMs.toFixed(0)} ms`);
    }
    const denoiser = model.denoiser.forClassLabels(settings.classLabels, settings.batch);
    return await benchModel({ ...model, denoiser }, settings, log, started);
  } finally {
    await model.dispose();
  }
}

async function benchModel(model: LoadedModel, settings: BenchSettings, log: BenchLog, started: Date): Promise<BenchRun> {
  checkConfigurations(model, settings);
  const { channels, height, width } = model.signature;
  const noise = torchRandn(settings.seed, [settings.batch, channels, height, width]);
  await model.denoiser.warmup(settings.batch);

  const bareRun = model.denoiser.bareRun(noise, 500);
  const bareCall = await timeIterations('bare session.run', settings.quick ? 5 : 50, bareRun);
  log(`bare session.run: ${bareCall.meanMs.toFixed(2)} ms per call at batch ${settings.batch} (${model.executionProvider})`);

  const referenceName = settings.reference ? formatSamplerSpec(settings.reference) : 'none';
  const order = [...(settings.reference ? [settings.reference] : []), ...settings.samplers.filter((s) => formatSamplerSpec(s) !== referenceName)];
  const grids = new Map<string, Buffer>();
  const samples = new Map<string, ImageBatch>();
  const configurations: ConfigurationResult[] = [];
  let reference: ImageBatch | undefined;

  const fid = settings.fid ? await openFid(settings.fid, settings.threads) : undefined;
  const fidClassifierSha = fid?.extractor.sha256;
  try {
    for (const [index, spec] of order.entries()) {
      const name = formatSamplerSpec(spec);
      const isReference = name === referenceName;
      const label = `[${index + 1}/${order.length}] ${name}`;
      const cached = fid && (await loadFinished(fid.settings.workDir, name, model.sha256));
      const finished = cached || (await measureConfiguration(model, settings, spec, isReference, bareRun, bareCall, reference, fid, label, log));
      if (cached) log(`${label}: resumed from ${fid.settings.workDir}`);
      else if (fid) await saveFinished(fid.settings.workDir, name, model.sha256, finished);
      if (isReference) reference = finished.firstBatch;
      grids.set(name, finished.grid);
      samples.set(name, finished.firstBatch);
      configurations.push(finished.configuration);
    }
  } finally {
    await fid?.extractor.dispose();
  }

  // Table order: as asked on the command line, the reference last unless it was listed.
  const asked = settings.samplers.map(formatSamplerSpec);
  configurations.sort((a, b) => rank(asked, a.name) - rank(asked, b.name));
  return {
    result: {
      schema: BENCH_RESULT_SCHEMA,
      environment: describeEnvironment(started),
      settings: {
        model: settings.model,
        modelSha256: model.sha256,
        ...(model.hub ? { modelRevision: model.hub.commit } : {}),
        executionProvider: model.executionProvider,
        ...(model.adapter ? { adapter: model.adapter } : {}),
        threads: settings.threads ?? null,
        batch: settings.batch,
        seed: settings.seed,
        generator: 'torch',
        iterations: settings.iterations,
        quick: settings.quick,
        ...(settings.fid ? { fid: { samples: settings.fid.samples, classifier: settings.fid.classifier, classifierSha256: fidClassifierSha! } } : {}),
        reference: referenceName,
        ...(settings.classLabels ? { classLabels: settings.classLabels } : {}),
        ...(settings.variant !== undefined ? { variant: settings.variant } : {}),
      },
      bareCall,
      configurations,
    },
    grids,
    samples,
    noise: { data: noise, shape: [settings.batch, channels, height, width] },
  };
}

interface OpenFid {
  readonly settings: FidSettings;
  readonly extractor: FeatureExtractor;
  readonly reference: ReferenceStatistics;
}

async function openFid(settings: FidSettings, threads: number | undefined): Promise<OpenFid> {
  const reference = await loadReferenceStatistics(settings.referenceStats);
  const extractor = await loadFeatureExtractor(settings.classifier, threads !== undefined ? { threads } : {});
  if (extractor.sha256 !== reference.classifierSha256) {
    await extractor.dispose();
    throw new Error(`${settings.referenceStats} was made with classifier ${reference.classifierSha256.slice(0, 12)}…, not ${settings.classifier} (${extractor.sha256.slice(0, 12)}…)`);
  }
  return { settings, extractor, reference };
}

async function measureConfiguration(
  model: LoadedModel,
  settings: BenchSettings,
  spec: SamplerSpec,
  isReference: boolean,
  bareRun: () => Promise<void>,
  bareCall: WallTime,
  reference: ImageBatch | undefined,
  fid: OpenFid | undefined,
  label: string,
  log: BenchLog,
): Promise<FinishedConfiguration> {
  const name = formatSamplerSpec(spec);
  // With --quality fid every configuration but the reference samples `samples` images, batch after batch;
  // batch k starts from torchRandn(seed + k) and draws its step noise from seed + k.
  const batches = fid && !isReference ? Math.ceil(fid.settings.samples / settings.batch) : undefined;
  const iterations =
    batches ?? (settings.iterations === 'auto' ? autoIterations(plannedModelCalls(model, spec), bareCall.meanMs, settings.autoBudgetMs) : settings.iterations);
  const collected: Float32Array[] = [];
  const run = await timeConfiguration(model, spec, settings.batch, iterations, settings.seed, label, log, batches ? (images) => collected.push(images.slice()) : undefined);
  const firstBatch: ImageBatch = { data: (collected[0] ?? run.last.samples).slice(), shape: run.last.shape };
  let quality: Quality;
  if (isReference) quality = { kind: 'reference' };
  else if (isStochastic(spec)) quality = { kind: 'stochastic' };
  else if (!reference) quality = { kind: 'unmeasured' };
  else quality = compareWithReference(firstBatch, reference);
  const modelCalls = run.last.timesteps.length;
  // The ceiling is measured right after the configuration, so that both see the same machine state.
  const bareAfter = await timeIterations(`${label} bare`, Math.min(modelCalls, 100), bareRun);
  const ceilingMs = modelCalls * bareAfter.meanMs;
  let distribution: ConfigurationResult['distribution'];
  if (fid && batches) {
    const perImage = firstBatch.data.length / settings.batch;
    const all = new Float32Array(fid.settings.samples * perImage);
    collected.forEach((images, k) => all.set(images.subarray(0, Math.min(images.length, all.length - k * images.length)), k * images.length));
    const features = new Float32Array(fid.settings.samples * fid.extractor.featureDim);
    const logits = new Float32Array(fid.settings.samples * fid.extractor.classCount);
    for (let start = 0; start < fid.settings.samples; start += settings.batch) {
      const end = Math.min(fid.settings.samples, start + settings.batch);
      const out = await fid.extractor.extract(all.slice(start * perImage, end * perImage));
      features.set(out.features, start * fid.extractor.featureDim);
      logits.set(out.logits, start * fid.extractor.classCount);
    }
    distribution = distributionQuality(features, logits, fid.settings.samples, fid.reference);
    log(`${label}: FID ${distribution.fid.toFixed(2)}, KID ${distribution.kid.toFixed(4)} over ${fid.settings.samples} samples`);
  }
  const configuration: ConfigurationResult = {
    name,
    kind: spec.kind,
    steps: spec.steps,
    modelCalls,
    eta: spec.eta,
    spacing: run.spacing,
    stochastic: isStochastic(spec),
    wall: run.wall,
    callsPerSec: modelCalls / (run.wall.meanMs / 1000),
    imagesPerSec: settings.batch / (run.wall.meanMs / 1000),
    modelMsPerCall: run.modelMs / (modelCalls * run.runs),
    loopMsPerCall: run.loopMs / (modelCalls * run.runs),
    ceilingMs,
    overheadPct: ((run.wall.meanMs - ceilingMs) / run.wall.meanMs) * 100,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    quality,
    fid: distribution?.fid ?? null,
    kid: distribution?.kid ?? null,
    ...(distribution ? { distribution } : {}),
  };
  log(`${label}: ${run.wall.meanMs.toFixed(0)} ms per batch over ${run.wall.samples} run(s)`);
  return { configuration, grid: encodePng(toPixels(makeGrid(firstBatch), 0)), firstBatch };
}

function rank(asked: readonly string[], name: string): number {
  const i = asked.indexOf(name);
  return i === -1 ? asked.length : i;
}

/** As many runs as fit in the budget at the bare model speed, at least 1 and at most 20. */
function autoIterations(modelCalls: number, perCallMs: number, budgetMs: number): number {
  return Math.max(1, Math.min(20, Math.floor(budgetMs / (modelCalls * perCallMs))));
}

/** The model calls one run of a configuration makes (Heun: 2S − 1; PNDM: S + 1 or S + 9). */
function plannedModelCalls(model: LoadedModel, spec: SamplerSpec): number {
  const scheduler = createScheduler(spec.kind, model.schedulerConfig, samplerSpecOverrides(spec));
  scheduler.setTimesteps(spec.steps);
  return scheduler.timesteps.length;
}

interface TimedConfiguration {
  readonly wall: WallTime;
  readonly last: SampleResult;
  readonly runs: number;
  readonly modelMs: number;
  readonly loopMs: number;
  readonly spacing: string;
}

async function timeConfiguration(
  model: LoadedModel,
  spec: SamplerSpec,
  batchSize: number,
  iterations: number,
  seed: number,
  label: string,
  log: BenchLog,
  onImages?: (images: Float32Array) => void,
): Promise<TimedConfiguration> {
  const scheduler = createScheduler(spec.kind, model.schedulerConfig, samplerSpecOverrides(spec));
  let last: SampleResult | undefined;
  let runs = 0;
  let modelMs = 0;
  let loopMs = 0;
  const wall = await timeIterations(label, iterations, async () => {
    runs++;
    const run = runs;
    // Run k > 1 of a multi-batch (FID) configuration starts from fresh noise; timing runs reuse x_T.
    const fresh = onImages !== undefined && run > 1;
    last = await sample(
      configurationSampleOptions(model, scheduler, spec, batchSize, fresh ? seed + run - 1 : seed, (e) => {
        if ((e.index + 1) % Math.ceil(e.total / 4) === 0 && e.index + 1 < e.total) {
          const eta = ((e.total - e.index - 1) * e.elapsedMs) / (e.index + 1) / 1000;
          log(`${label} run ${run}/${iterations}: ${e.index + 1}/${e.total} model calls, ETA ${eta.toFixed(0)} s`);
        }
      }),
    );
    onImages?.(last.samples);
    modelMs += last.timings.modelMs.reduce((a, b) => a + b, 0);
    loopMs += last.timings.loopMs.reduce((a, b) => a + b, 0);
  });
  return { wall, last: last!, runs, modelMs, loopMs, spacing: scheduler.config.timestepSpacing };
}

/**
 * One run of a configuration: x_T is drawn from the seeded generator, then the step noise continues that stream, in
 * diffusers' pipeline order; x_T is then torchRandn(seed) for every configuration. (Passing x_T in and seeding the
 * step noise with the same seed would make the first step's noise equal x_T.) Long runs (≥ 200 steps) report progress.
 */
export function configurationSampleOptions(
  model: LoadedModel,
  scheduler: SampleOptions['scheduler'],
  spec: SamplerSpec,
  batchSize: number,
  seed: number,
  progress: (e: StepEvent) => void,
): SampleOptions {
  return {
    scheduler,
    denoiser: model.denoiser,
    steps: spec.steps,
    ...(spec.kind === 'ddim' ? { eta: spec.eta } : {}),
    batchSize,
    seed,
    generator: 'torch',
    ...(spec.steps >= 200 ? { onStep: progress } : {}),
  };
}
