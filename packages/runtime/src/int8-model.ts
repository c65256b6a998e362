import { join } from 'node:path';
import {
  buildUNetModel,
  int8Candidates,
  int8ProbeValues,
  quantizeGraph,
  withActivationProbes,
  type ActivationRange,
  type BuiltUNetModel,
  type DiffusersUNetFolder,
  type Int8Plan,
} from '@denoise/diffusers';
import { calibrateActivationRanges } from './int8-calibration.js';
import { calibrationPath, readCachedCalibration, writeCachedCalibration, type CalibrationKey } from './int8-calibration-cache.js';
import type { Int8CalibrationMethod, Int8Config } from './int8-options.js';
import { ModelLoadError } from './model-errors.js';
import { denoiseCacheDir } from './model-reference.js';
import type { SamplerKind } from '@denoise/sampler';

/** What an int8 model runs in int8, and the calibration its activation ranges come from. */
export interface Int8ModelInfo {
  /** Conv layers running as int8 (QLinearConv on onnxruntime's CPU provider). */
  readonly quantizedConvs: number;
  /** Layers with weights kept float32, by module name (see Int8Plan.floatLayers). */
  readonly floatLayers: readonly string[];
  readonly calibration: {
    readonly method: Int8CalibrationMethod;
    readonly sampler: SamplerKind;
    readonly runs: number;
    readonly steps: number;
    readonly seed: number;
    /** The cache file the ranges were read from or written to. */
    readonly file: string;
    /** Whether the ranges came from the cache (no calibration run). */
    readonly cached: boolean;
    /** Model calls observed, and their time, when calibrated now. */
    readonly calls?: number;
    readonly calibrationMs?: number;
  };
}

export interface Int8BuildContext {
  readonly sha256: string;
  readonly schedulerConfig: unknown;
  /** The sample size asked for (else the config's sample_size). */
  readonly height?: number;
  readonly width?: number;
  readonly threads?: number;
  readonly producerVersion?: string;
  /** Also cut the quantized graph for DeepCache (the calibration runs the plain graph). */
  readonly deepCacheBranch?: number;
}

/**
 * Builds the int8 graph of a UNet2DModel folder: the activation ranges come from the calibration cache, or are
 * measured now (calibrateActivationRanges on the graph with probes) and cached; then quantizeGraph rewrites the graph.
 */
export async function buildInt8UNetModel(folder: DiffusersUNetFolder, config: Int8Config, context: Int8BuildContext): Promise<{ model: BuiltUNetModel; int8: Int8ModelInfo }> {
  let plan: Int8Plan | undefined;
  const common = { storage: 'external', ...(context.producerVersion ? { producerVersion: context.producerVersion } : {}) } as const;
  const probe = await buildUNetModel(folder, {
    ...common,
    transformGraph: (graph) => {
      plan = int8Candidates(graph);
      return withActivationProbes(graph, int8ProbeValues(plan));
    },
  });
  if (probe.config.numClassEmbeds !== undefined || probe.config.classEmbedType !== undefined) {
    throw new ModelLoadError(folder.unetDir, 'int8 precision is for unconditional UNet2DModel folders; this one is class-conditional (its calibration would need class labels)');
  }
  const height = context.height ?? probe.config.sampleSize?.[0];
  const width = context.width ?? probe.config.sampleSize?.[1];
  if (height === undefined || width === undefined) {
    throw new ModelLoadError(folder.unetDir, 'int8 calibration needs a sample size: the config has no sample_size; pass sampleShape');
  }
  const { method, sampler, runs, steps, seed } = config;
  const key: CalibrationKey = { weightsSha256: context.sha256, settings: { method, runs, steps, seed, sampler }, height, width };
  const file = calibrationPath(config.cacheDir ?? join(denoiseCacheDir(), 'int8-calibration'), key);
  const values = int8ProbeValues(plan!);
  let ranges: ReadonlyMap<string, ActivationRange> | undefined = await readCachedCalibration(file, key, values, config.log);
  let measured: { calls: number; calibrationMs: number } | undefined;
  if (!ranges) {
    config.log?.(`calibrating int8 activation ranges of ${folder.unetDir}: ${runs} ${sampler} runs × ${steps} steps (${method}) …`);
    const started = performance.now();
    const result = await calibrateActivationRanges(probe, context.schedulerConfig, { height, width }, config, context.threads);
    ranges = result.ranges;
    measured = { calls: result.calls, calibrationMs: performance.now() - started };
    await writeCachedCalibration(file, key, ranges);
  }
  const calibrated = ranges;
  let quantizedPlan: Int8Plan | undefined;
  const model = await buildUNetModel(folder, {
    ...common,
    ...(context.deepCacheBranch !== undefined ? { deepCacheBranch: context.deepCacheBranch } : {}),
    transformGraph: async (graph, weights) => {
      const quantized = await quantizeGraph(graph, weights, calibrated);
      quantizedPlan = quantized.plan;
      return quantized.graph;
    },
  });
  return {
    model,
    int8: {
      quantizedConvs: quantizedPlan!.convs.length,
      floatLayers: quantizedPlan!.floatLayers,
      calibration: { method, sampler, runs, steps, seed, file, cached: measured === undefined, ...measured },
    },
  };
}
