import { createHash } from 'node:crypto';
import { encodePng, makeGrid, toPixels, type ImageBatch } from '@denoise/image';
import { basicInterval, bootstrapDistances } from '@denoise/metrics';
import { BENCH_RESULT_SCHEMA, type BenchResult, type ConfigurationResult, type FidComparison, type Quality } from './bench-result.js';
import { distributionQuality, type DistributionQuality } from './distribution-quality.js';
import { readShardReference } from './fid/fid-reference.js';
import { describeEnvironment } from './environment.js';
import { compareWithReference } from './quality.js';
import type { BenchLog } from './bench-model.js';
import { modifiersOf, parseSamplerSpec } from './sampler-spec.js';
import { firstDifference, planUnits, shardOf, unitKey, type SweepPlan } from './sweep-plan.js';
import { readShardDir, readUnitFeatures, readUnitImages, shardDirsIn, SweepFileError, type BareRecord, type UnitRecord } from './sweep-store.js';
import { harnessOverhead, msPerCallByKind, ratioOfMeans, timeMatchedSpeedup, wallOverCeiling, wallTimeOf, type BootstrapSettings, type TimedBatch } from './timing-stats.js';

/** Every unit of a sweep, each found once, from the shard folders given to merge. */
export interface LoadedSweep {
  readonly plan: SweepPlan;
  readonly sweepId: string;
  readonly shards: number;
  readonly units: ReadonlyMap<string, { readonly record: UnitRecord; readonly dir: string }>;
  readonly bare: readonly BareRecord[];
  readonly hosts: readonly string[];
}

/**
 * Reads shard folders (or folders of them) and checks that they make one whole sweep: one plan (the same model,
 * settings and code), each shard once, every unit of the plan present exactly once. Anything else is a
 * SweepFileError naming the folders and units concerned.
 */
export async function loadSweep(paths: readonly string[]): Promise<LoadedSweep> {
  if (paths.length === 0) throw new SweepFileError('no shard folders given');
  const dirs = (await Promise.all(paths.map(shardDirsIn))).flat();
  const shards = await Promise.all([...new Set(dirs)].map(readShardDir));
  const first = shards[0]!;
  for (const other of shards.slice(1)) {
    if (other.manifest.sweepId !== first.manifest.sweepId) {
      const d = firstDifference(first.manifest.plan, other.manifest.plan);
      const why = d ? `${d.key}: ${d.a} in ${first.dir}, ${d.b} in ${other.dir}` : 'their plans differ';
      throw new SweepFileError(`${other.dir} is a shard of another sweep than ${first.dir} (${why})`);
    }
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const previous = byIndex.get(s.manifest.shard.index);
    if (previous !== undefined) throw new SweepFileError(`shard ${s.manifest.shard.index}/${count} given twice: ${previous} and ${s.dir}`);
    byIndex.set(s.manifest.shard.index, s.dir);
  }
  const units = new Map<string, { record: UnitRecord; dir: string }>();
  for (const s of shards) {
    for (const record of s.units) {
      const key = unitKey(record.config, record.batch);
      const previous = units.get(key);
      if (previous) throw new SweepFileError(`${key} is in two shard folders: ${previous.dir} and ${s.dir}`);
      units.set(key, { record, dir: s.dir });
    }
  }
  const plan = first.manifest.plan;
  const planned = planUnits(plan);
  const missing = planned.filter((u) => !units.has(unitKey(u.config, u.batch)));
  if (missing.length > 0) {
    const perShard = new Map<number, number>();
    for (const u of missing) perShard.set(shardOf(u, count), (perShard.get(shardOf(u, count)) ?? 0) + 1);
    const where = [...perShard].sort(([a], [b]) => a - b).map(([k, n]) => `shard ${k}/${count}: ${n} missing${byIndex.has(k) ? ` in ${byIndex.get(k)}` : ' (folder not given)'}`);
    const examples = missing.slice(0, 3).map((u) => unitKey(u.config, u.batch)).join(', ');
    throw new SweepFileError(`${missing.length} of ${planned.length} units of sweep ${first.manifest.sweepId} are missing (${where.join('; ')}), e.g. ${examples}; run the shards to completion (each resumes where it stopped)`);
  }
  const known = new Set(planned.map((u) => unitKey(u.config, u.batch)));
  const stray = [...units.keys()].filter((k) => !known.has(k));
  if (stray.length > 0) throw new SweepFileError(`units not in the plan: ${stray.slice(0, 3).join(', ')}`);
  const bare = shards.flatMap((s) => s.bare);
  const hosts = [...new Set([...units.values()].map((u) => u.record.host))].sort();
  return { plan, sweepId: first.manifest.sweepId, shards: count, units, bare, hosts };
}

export interface MergeOptions {
  readonly bootstrap: BootstrapSettings;
  readonly log: BenchLog;
  readonly date: Date;
}

export interface MergedSweep {
  readonly result: BenchResult;
  /** A PNG grid of each configuration's batch 0, for the report. */
  readonly grids: ReadonlyMap<string, Buffer>;
  /** Each configuration's batch 0 images (the same x_T for every configuration). */
  readonly samples: ReadonlyMap<string, ImageBatch>;
}

/** The speed baseline: ddpm-1000 when the sweep has it, else the configuration with the most model calls. */
function speedBaseline(plan: SweepPlan, callsOf: (name: string) => number): string {
  const names = plan.configurations.map((c) => c.name);
  if (names.includes('ddpm-1000')) return 'ddpm-1000';
  return names.reduce((best, n) => (callsOf(n) > callsOf(best) ? n : best));
}

/**
 * One result from a whole sweep: timings from every batch, quality from batch 0 against the reference's batch 0,
 * FID/KID from the features of every image (never averaged across shards), with bootstrap 95 % intervals.
 */
export async function mergeSweep(sweep: LoadedSweep, options: MergeOptions): Promise<MergedSweep> {
  const { plan } = sweep;
  const { log } = options;
  const recordsOf = (name: string) =>
    [...sweep.units.values()].filter((u) => u.record.config === name).sort((a, b) => a.record.batch - b.record.batch);
  const callsOf = (name: string) => recordsOf(name)[0]!.record.modelCalls;
  const samples = new Map<string, ImageBatch>();
  for (const c of plan.configurations) {
    const zero = recordsOf(c.name)[0]!;
    samples.set(c.name, await readUnitImages(zero.dir, zero.record));
  }
  const barePerCall = sweep.bare.map((b) => b.meanMsPerCall);
  const bareCall = wallTimeOf(barePerCall.length > 0 ? barePerCall : [Number.NaN]);
  const baseline = speedBaseline(plan, callsOf);
  const baselineWalls = recordsOf(baseline).map((u) => u.record.wallMs);
  const batchesOf = (name: string): TimedBatch[] => recordsOf(name).map((u) => u.record);
  const allBatches: TimedBatch[] = [...sweep.units.values()].map((u) => u.record);
  const reference = plan.reference === 'none' ? undefined : samples.get(plan.reference);

  const distributions = plan.fid ? await measureDistributions(sweep, options) : undefined;
  const configurations: ConfigurationResult[] = plan.configurations.map((c) => {
    const records = recordsOf(c.name).map((u) => u.record);
    const walls = records.map((r) => r.wallMs);
    const wall = wallTimeOf(walls);
    const modelCalls = records[0]!.modelCalls;
    const totalCalls = records.reduce((s, r) => s + r.modelCalls, 0);
    const spec = parseSamplerSpec(c.name);
    const { stochastic } = c;
    let quality: Quality;
    if (c.name === plan.reference) quality = { kind: 'reference' };
    else if (stochastic) quality = { kind: 'stochastic' };
    else if (!reference) quality = { kind: 'unmeasured' };
    else quality = compareWithReference(samples.get(c.name)!, reference);
    // The bare calls time the plain model: the ceiling of a configuration that calls another network is not measured.
    const plainModel = modifiersOf(spec) === '';
    const ceiling = barePerCall.length > 0 && plainModel ? modelCalls * bareCall.meanMs : Number.NaN;
    // Outside the model: for a pipeline, outside its text encoder, UNet and VAE alike.
    const overhead = harnessOverhead(walls, records.map((r) => r.modelMs + (r.textMs ?? 0) + (r.decodeMs ?? 0)), options.bootstrap);
    const vsBare = barePerCall.length > 0 && plainModel ? wallOverCeiling(walls, modelCalls, barePerCall, options.bootstrap) : null;
    const speedup = timeMatchedSpeedup(batchesOf(baseline), records, allBatches, options.bootstrap);
    const wallSpeedup = ratioOfMeans(baselineWalls, walls, options.bootstrap);
    const measured = distributions?.get(c.name);
    const distribution = measured
      ? { samples: measured.samples, fid: measured.fid, kid: measured.kid, kidStd: measured.kidStd, fidInterval: measured.fidInterval, kidInterval: measured.kidInterval, classCounts: [...measured.classCounts] }
      : undefined;
    const hashes = records.flatMap((r) => r.imageSha256);
    return {
      name: c.name,
      kind: spec.kind,
      steps: spec.steps,
      modelCalls,
      eta: spec.eta,
      spacing: c.spacing,
      stochastic,
      wall,
      callsPerSec: modelCalls / (wall.meanMs / 1000),
      imagesPerSec: plan.batch / (wall.meanMs / 1000),
      modelMsPerCall: records.reduce((s, r) => s + r.modelMs, 0) / totalCalls,
      loopMsPerCall: records.reduce((s, r) => s + r.loopMs, 0) / totalCalls,
      msPerCallByKind: Object.fromEntries(msPerCallByKind(records)),
      ...(plan.textToImage ? { split: splitOf(records) } : {}),
      ceilingMs: Number.isFinite(ceiling) ? ceiling : 0,
      overheadPct: overhead.pct,
      overheadInterval: { low: overhead.low, high: overhead.high },
      vsBare,
      speedup: { baseline, ratio: speedup.ratio, low: speedup.low, high: speedup.high },
      wallSpeedup: { baseline, ratio: wallSpeedup.ratio, low: wallSpeedup.low, high: wallSpeedup.high },
      peakRssMiB: Math.max(...records.map((r) => r.peakRssMiB)),
      quality,
      fid: distribution?.fid ?? null,
      kid: distribution?.kid ?? null,
      ...(distribution ? { distribution } : {}),
      images: hashes.length,
      imageDigest: createHash('sha256').update(hashes.join('\n')).digest('hex'),
    };
  });
  // Table order: as planned (the command line's order), the reference last unless it was listed.
  const fidComparisons = distributions ? pairedComparisons(distributions) : undefined;
  const environment = { ...describeEnvironment(options.date), denoise: plan.code.denoise, gitCommit: plan.code.gitCommit, gitDirty: plan.code.gitDirty };
  const result: BenchResult = {
    schema: BENCH_RESULT_SCHEMA,
    environment,
    settings: {
      model: plan.model,
      modelSha256: plan.modelSha256,
      ...(plan.modelRevision ? { modelRevision: plan.modelRevision } : {}),
      executionProvider: plan.executionProvider,
      threads: plan.threads,
      batch: plan.batch,
      seed: plan.seed,
      generator: 'torch',
      seeding: 'per-image',
      iterations: plan.iterations,
      quick: plan.quick,
      ...(plan.fid ? { fid: plan.fid } : {}),
      reference: plan.reference,
      ...(plan.classLabels ? { classLabels: plan.classLabels } : {}),
      ...(plan.variant !== undefined ? { variant: plan.variant } : {}),
      ...(plan.imageSize ? { imageSize: plan.imageSize } : {}),
      ...(plan.textToImage ? { textToImage: plan.textToImage } : {}),
      sweepId: sweep.sweepId,
      shards: sweep.shards,
      hosts: [...sweep.hosts],
      bootstrap: { ...options.bootstrap },
    },
    bareCall,
    configurations,
    ...(fidComparisons ? { fidComparisons } : {}),
  };
  const grids = new Map([...samples].map(([name, images]) => [name, encodePng(toPixels(makeGrid(images), 0))]));
  log(`merged sweep ${sweep.sweepId}: ${sweep.units.size} units from ${sweep.shards} shard(s) on ${sweep.hosts.length} host(s)`);
  return { result, grids, samples };
}

/** A pipeline's batch part by part, means over its batches, ms per batch. */
function splitOf(records: readonly UnitRecord[]): NonNullable<ConfigurationResult['split']> {
  const mean = (of: (r: UnitRecord) => number | undefined) => {
    const values = records.map(of);
    if (values.some((v) => v === undefined)) throw new SweepFileError(`${records[0]!.config}: a text-to-image sweep's unit has no text or decode time`);
    return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  };
  return { textMs: mean((r) => r.textMs), unetMs: mean((r) => r.modelMs), loopMs: mean((r) => r.loopMs), decodeMs: mean((r) => r.decodeMs) };
}

type MeasuredDistribution = DistributionQuality & { fidSamples: Float64Array; fidInterval: { low: number; high: number }; kidInterval: { low: number; high: number } | null };

/** FID/KID of every FID configuration from its images' features in image order, with paired bootstrap resamples. */
async function measureDistributions(sweep: LoadedSweep, options: MergeOptions): Promise<Map<string, MeasuredDistribution>> {
  const { plan } = sweep;
  const { log } = options;
  const anyShard = [...sweep.units.values()][0]!.dir;
  const reference = await readShardReference(anyShard, { label: plan.fid!.reference, sha256: plan.fid!.referenceSha256 });
  const names = plan.configurations.filter((c) => c.fid).map((c) => c.name);
  const n = plan.fid!.samples;
  const dim = reference.featureDim;
  const sets: Float32Array[] = [];
  const logitSets: Float32Array[] = [];
  for (const name of names) {
    const features = new Float32Array(n * dim);
    let logits: Float32Array | undefined;
    for (const { record, dir } of sweep.units.values()) {
      if (record.config !== name) continue;
      const arrays = await readUnitFeatures(dir, record);
      if (arrays.features.length !== record.count * dim) throw new SweepFileError(`${dir}: ${unitKey(name, record.batch)} has features of dimension ${arrays.features.length / record.count}, the reference's is ${dim}`);
      const classes = arrays.logits.length / record.count;
      logits ??= new Float32Array(n * classes);
      features.set(arrays.features, record.first * dim);
      logits.set(arrays.logits, record.first * classes);
    }
    sets.push(features);
    logitSets.push(logits!);
  }
  log(`FID${reference.kid ? '/KID' : ''} of ${names.length} configuration(s) over ${n} images each against ${reference.label}, ${options.bootstrap.resamples} bootstrap resamples`);
  const started = performance.now();
  const boot = bootstrapDistances(sets, n, dim, { mean: reference.mean, cov: reference.cov, ...(reference.kid ? { kidFeatures: reference.kid.features, kidCount: reference.kid.count } : {}) }, {
    ...options.bootstrap,
    onResample: (done, total) => {
      if (done % Math.max(1, Math.floor(total / 4)) === 0 && done < total) log(`bootstrap ${done}/${total} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  const out = new Map<string, MeasuredDistribution>();
  names.forEach((name, s) => {
    const point = distributionQuality(sets[s]!, logitSets[s]!, n, reference);
    // Basic bootstrap intervals: the resamples' FIDs sit above the estimate (see basicInterval); FID is ≥ 0.
    const fidInterval = basicInterval(point.fid, boot.fid[s]!);
    const kidInterval = point.kid === null ? null : basicInterval(point.kid, boot.kid[s]!);
    out.set(name, { ...point, fidSamples: boot.fid[s]!, fidInterval: { low: Math.max(0, fidInterval.low), high: fidInterval.high }, kidInterval });
    log(`${name}: FID ${point.fid.toFixed(2)} [${out.get(name)!.fidInterval.low.toFixed(2)}, ${out.get(name)!.fidInterval.high.toFixed(2)}]${point.kid === null ? '' : `, KID ${point.kid.toFixed(4)}`}`);
  });
  return out;
}

/** FID(a) − FID(b) for every pair, with the basic bootstrap interval of the paired resample differences. */
function pairedComparisons(distributions: ReadonlyMap<string, MeasuredDistribution>): FidComparison[] {
  const entries = [...distributions];
  const out: FidComparison[] = [];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, da] = entries[i]!;
      const [b, db] = entries[j]!;
      const diffs = da.fidSamples.map((v, r) => v - db.fidSamples[r]!);
      out.push({ a, b, difference: da.fid - db.fid, ...basicInterval(da.fid - db.fid, diffs) });
    }
  }
  return out;
}
