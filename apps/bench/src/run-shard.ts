import { cpus, hostname } from 'node:os';
import { imageSeeds, PerImageGenerators, type RunPlan, type StepEvent } from '@denoise/sampler';
import type { BatchLoop, BenchLog, BenchModel } from './bench-model.js';
import type { FeatureSpace } from './fid/feature-space.js';
import { configurationPlan } from './configuration-plan.js';
import { parseSamplerSpec } from './sampler-spec.js';
import { planUnits, shardOf, type Shard, type SweepPlan } from './sweep-plan.js';
import { imageHashes, unitDone, writeBare, writeUnit } from './sweep-store.js';
import { timeIterations } from './wall-time.js';

export interface ShardWork {
  /** The model, opened for the plan's batch (class labels, a pipeline's prompts and guidance). */
  readonly model: BenchModel;
  readonly plan: SweepPlan;
  readonly shard: Shard;
  readonly dir: string;
  readonly sweepId: string;
  /** The FID feature extractor, when the plan measures FID. */
  readonly featureSpace?: FeatureSpace;
  /** Bare session.run calls timed at the start of each round. */
  readonly bareCalls: number;
  readonly log: BenchLog;
}

/** "host (cpu model ×cores)": where a unit ran. */
export const hostLabel = (): string => `${hostname()} (${cpus()[0]?.model.trim() ?? 'unknown cpu'} ×${cpus().length})`;

/** The x_T of images first … first + count − 1 of the plan (batch 0's is what the bare calls and comparisons use). */
export const batchSeeds = (plan: Pick<SweepPlan, 'seed' | 'batch'>, first: number): number[] => imageSeeds(plan.seed, first, plan.batch);

/**
 * Runs this shard's units that are not finished yet, round by round (planUnits spreads each configuration's batches
 * evenly over the rounds), with
 * a block of bare session.run calls at the start of each round, so that every configuration's timings and the bare
 * calls are spread over the same stretch of time. Every unit runs a full batch (a short last batch is padded with
 * the next images' seeds and the extra images dropped), so every timing is of the same work.
 */
export async function runShard(work: ShardWork): Promise<{ ran: number; resumed: number }> {
  const { model, plan, shard, dir, sweepId, log } = work;
  const mine = planUnits(plan).filter((u) => shardOf(u, shard.count) === shard.index);
  const todo = mine.filter((u) => !unitDone(dir, u));
  const resumed = mine.length - todo.length;
  const callsOf = new Map(plan.configurations.map((c) => [c.name, configurationPlan(model, c.name).timesteps.length]));
  const totalCalls = todo.reduce((s, u) => s + callsOf.get(u.config)!, 0);
  log(`shard ${shard.index}/${shard.count} of sweep ${sweepId}: ${mine.length} units (${resumed} already done), ${totalCalls} model calls at batch ${plan.batch} to go`);
  if (todo.length === 0) return { ran: 0, resumed };

  await model.warmup();
  const bareRun = model.bareRun(firstNoise(model, plan));
  const host = hostLabel();
  let doneCalls = 0;
  const started = performance.now();
  let lastRound = -1;
  for (const [n, unit] of todo.entries()) {
    if (unit.round !== lastRound) {
      lastRound = unit.round;
      const bare = await timeIterations(`bare round ${unit.round}`, work.bareCalls, bareRun);
      await writeBare(dir, { sweepId, round: unit.round, calls: work.bareCalls, meanMsPerCall: bare.meanMs, host });
    }
    const label = `[${n + 1}/${todo.length}] ${unit.config} batch ${unit.batch} (images ${unit.first}–${unit.first + unit.count - 1})`;
    const t0 = performance.now();
    const unitModel = await model.variant(parseSamplerSpec(unit.config));
    const generated = await unitModel.generate({ loop: configurationRun({ plan: configurationPlan(model, unit.config), imageSeeds: batchSeeds(plan, unit.first), label, log }), first: unit.first });
    const wallMs = performance.now() - t0;
    const [, channels, height, width] = generated.shape;
    const images = generated.images.subarray(0, unit.count * channels * height * width);
    const { timings } = generated;
    const space = unit.fid ? work.featureSpace : undefined;
    const features = space ? await space.featuresOfSamples({ data: images, shape: [unit.count, channels, height, width] }) : undefined;
    await writeUnit(
      dir,
      {
        sweepId,
        config: unit.config,
        batch: unit.batch,
        first: unit.first,
        count: unit.count,
        wallMs,
        modelMs: timings.modelMs,
        loopMs: timings.loopMs,
        ...(timings.textMs !== undefined ? { textMs: timings.textMs } : {}),
        ...(timings.decodeMs !== undefined ? { decodeMs: timings.decodeMs } : {}),
        modelCalls: generated.modelCalls,
        modelMsByKind: timings.byKind,
        imageSha256: imageHashes(images, unit.count),
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        host,
        finishedAt: new Date().toISOString(),
      },
      {
        ...(unit.batch === 0 ? { images: { data: images.slice(), shape: [unit.count, channels, height, width] } } : {}),
        ...(features && space ? { features: { ...features, featureDim: space.featureDim, classCount: space.classCount } } : {}),
      },
    );
    doneCalls += callsOf.get(unit.config)!;
    const elapsed = (performance.now() - started) / 1000;
    const eta = doneCalls > 0 ? (elapsed * (totalCalls - doneCalls)) / doneCalls : 0;
    log(`${label}: ${wallMs.toFixed(0)} ms; shard ${Math.round((100 * doneCalls) / totalCalls)} %, ETA ${eta.toFixed(0)} s`);
  }
  return { ran: todo.length, resumed };
}

/**
 * The sampling loop's settings of one batch of a configuration: its steps and η, per-image seeds, the torch
 * generator, and for long runs (≥ 200 steps) a progress line every quarter with an ETA. The one place the bench
 * turns a configuration into a sampling run (shards and the cross-provider pass); the model adds the denoiser.
 */
export function configurationRun(run: { readonly plan: RunPlan; readonly imageSeeds: readonly number[]; readonly label: string; readonly log: BenchLog }): BatchLoop {
  const { plan, label, log } = run;
  return {
    scheduler: plan.scheduler,
    steps: plan.steps,
    plan,
    imageSeeds: run.imageSeeds,
    generator: 'torch',
    ...(plan.steps >= 200
      ? {
          onStep: (e: StepEvent) => {
            if ((e.index + 1) % Math.ceil(e.total / 4) === 0 && e.index + 1 < e.total) {
              const eta = ((e.total - e.index - 1) * e.elapsedMs) / (e.index + 1) / 1000;
              log(`${label}: ${e.index + 1}/${e.total} model calls, ETA ${eta.toFixed(0)} s`);
            }
          },
        }
      : {}),
  };
}

/** x_T of the plan's batch 0 (image i from imageSeed(seed, i)), unit variance, NCHW. */
export function firstNoise(model: Pick<BenchModel, 'noiseDims'>, plan: Pick<SweepPlan, 'seed' | 'batch'>): Float32Array {
  const { channels, height, width } = model.noiseDims;
  return new PerImageGenerators('torch', batchSeeds(plan, 0)).randn([plan.batch, channels, height, width]);
}
