import type { ExecutionProvider, GpuAdapterInfo } from '@denoise/runtime';
import { SAMPLER_KINDS, type SamplerKind } from '@denoise/sampler';
import type { BenchEnvironment } from './environment.js';

/** 2: speed per model call (Heun and PNDM call the model more than once per step); 1 had per-step names. */
export const BENCH_RESULT_SCHEMA = 'denoise-bench/2';

/** tinybench latency statistics of one configuration, in ms per batch. */
export interface WallTime {
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly sdMs: number;
  /** Half-width of the 95 % confidence interval of the mean; 0 with a single sample (no interval). */
  readonly moeMs: number;
  /** Relative margin of error, % (tinybench's rme); null with a single sample. */
  readonly rmePct: number | null;
  readonly samples: number;
}

export type Quality =
  | { readonly kind: 'reference' }
  | { readonly kind: 'stochastic' }
  /** `--reference none`: no configuration to compare with (for models too slow for a DDIM-1000 reference). */
  | { readonly kind: 'unmeasured' }
  | {
      readonly kind: 'measured';
      readonly ssimMean: number;
      readonly ssimSd: number;
      /** PSNR in dB over the images that differ at all; identical images (PSNR = ∞) are counted apart. */
      readonly psnrMean: number | null;
      readonly psnrSd: number | null;
      readonly identicalImages: number;
    };

export interface ConfigurationResult {
  readonly name: string;
  readonly kind: SamplerKind;
  /** Inference steps S. */
  readonly steps: number;
  /** Model evaluations per image batch: the unit of cost (Heun-10 makes 19, PNDM-50 59). */
  readonly modelCalls: number;
  readonly eta: number;
  readonly spacing: string;
  readonly stochastic: boolean;
  readonly wall: WallTime;
  readonly callsPerSec: number;
  readonly imagesPerSec: number;
  /** Averages over every timed run, from the sampler's own per-call timings. */
  readonly modelMsPerCall: number;
  readonly loopMsPerCall: number;
  /**
   * modelCalls × the mean time of a bare session.run on the same inputs, measured with min(steps, 100) calls right
   * after the configuration: the physical limit for this model here.
   */
  readonly ceilingMs: number;
  /** (wall − ceiling) / wall, in %. */
  readonly overheadPct: number;
  readonly peakRssMiB: number;
  readonly quality: Quality;
  /** Distribution quality (FID/KID, `--quality fid`): null when not measured, never invented. */
  readonly fid: number | null;
  readonly kid: number | null;
  /** With `--quality fid`: the sample count, the spread of KID over subsets, and the predicted-class histogram. */
  readonly distribution?: {
    readonly samples: number;
    readonly fid: number;
    readonly kid: number;
    readonly kidStd: number;
    readonly classCounts: readonly number[];
  };
}

export interface TorchBaselineRow {
  readonly name: string;
  /** One timed run of tools/torch-baseline (PyTorch), ms per batch. */
  readonly wallMs: number;
  readonly stepsPerSec: number;
  readonly imagesPerSec: number;
  /** PyTorch wall time / denoise wall time: > 1 means denoise is faster. */
  readonly torchOverDenoiseWall: number;
  /** Between the two frameworks' final float images from the same x_T. */
  readonly maxAbsDiff: number;
  readonly ssimMean: number;
}

export type TorchBaseline =
  | { readonly available: false; readonly reason: string }
  | { readonly available: true; readonly torch: string; readonly threads: number; readonly rows: readonly TorchBaselineRow[] };

export interface CrossProviderRow {
  readonly name: string;
  /** Between this provider's final float images and the primary provider's first batch (same x_T and step noise). */
  readonly maxAbsDiff: number;
  /** SSIM (8-bit, per image) against the primary provider's images, mean over the batch. */
  readonly ssimMean: number;
  /** One run on this provider (not a tinybench mean), ms per batch, after a warm-up call. */
  readonly wallMs: number;
}

export interface CrossProviderRun {
  readonly executionProvider: ExecutionProvider;
  /** With webgpu: the adapter it ran on; `software` for a CPU implementation of Vulkan (lavapipe). */
  readonly adapter?: GpuAdapterInfo;
  /** Session creation on this provider. */
  readonly sessionMs: number;
  /** The warm-up call (on webgpu this includes compiling the shaders). */
  readonly warmupMs?: number;
  readonly rows: readonly CrossProviderRow[];
}

/** `--ep A,B,…`: every configuration run once more on B, … and compared with the primary provider A's images. */
export interface CrossProvider {
  readonly primary: ExecutionProvider;
  readonly providers: readonly CrossProviderRun[];
}

export interface BenchResult {
  readonly schema: typeof BENCH_RESULT_SCHEMA;
  readonly environment: BenchEnvironment;
  readonly settings: {
    readonly model: string;
    readonly modelSha256: string;
    /** For an `hf:` model: the commit its revision resolved to. */
    readonly modelRevision?: string;
    readonly executionProvider: string;
    /** With the webgpu provider: the adapter it ran on, as far as the machine tells. */
    readonly adapter?: GpuAdapterInfo;
    readonly threads: number | null;
    readonly batch: number;
    readonly seed: number;
    readonly generator: 'torch';
    readonly iterations: number | 'auto';
    readonly quick: boolean;
    /** With `--quality fid`: samples per configuration and the feature extractor. */
    readonly fid?: { readonly samples: number; readonly classifier: string; readonly classifierSha256: string };
    /** The configuration every deterministic one is compared with (same x_T); 'none' with `--reference none`. */
    readonly reference: string;
    /** Class labels of a class-conditional model, and the diffusers weights variant, when given. */
    readonly classLabels?: readonly number[];
    readonly variant?: string;
  };
  /** Bare session.run on the same inputs, per call. */
  readonly bareCall: WallTime;
  readonly configurations: readonly ConfigurationResult[];
  /** Present when the run was made with `--baseline torch`. */
  readonly torchBaseline?: TorchBaseline;
  /** Present when the run was made with more than one provider (`--ep cpu,webgpu`). */
  readonly crossProvider?: CrossProvider;
}

type Check = (value: unknown, path: string) => void;
const fail = (path: string, want: string, value: unknown): never => {
  throw new TypeError(`bench result: ${path} should be ${want}, got ${JSON.stringify(value)}`);
};
const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : fail(p, 'a finite number', v));
const numOrNull: Check = (v, p) => (v === null ? undefined : num(v, p));
const str: Check = (v, p) => (typeof v === 'string' && v !== '' ? undefined : fail(p, 'a non-empty string', v));
const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : fail(p, 'a boolean', v));
const oneOf =
  (...allowed: unknown[]): Check =>
  (v, p) =>
    allowed.includes(v) ? undefined : fail(p, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, v);
const object =
  (shape: Record<string, Check>): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(p, 'an object', v);
    for (const [key, check] of Object.entries(shape)) check((v as Record<string, unknown>)[key], `${p}.${key}`);
  };
const array =
  (item: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length === 0) return fail(p, 'a non-empty array', v);
    v.forEach((x, i) => item(x, `${p}[${i}]`));
  };

const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? undefined : check(v, p);
const provider = oneOf('cpu', 'webgpu', 'cuda');
const adapter = optional(object({ vendor: str, device: str, driver: str, software: bool }));
const crossProvider = optional(
  object({
    primary: provider,
    providers: array(
      object({
        executionProvider: provider,
        adapter,
        sessionMs: num,
        warmupMs: optional(num),
        rows: array(object({ name: str, maxAbsDiff: num, ssimMean: num, wallMs: num })),
      }),
    ),
  }),
);

const wallTime = object({ meanMs: num, p50Ms: num, p99Ms: num, minMs: num, maxMs: num, sdMs: num, moeMs: num, rmePct: numOrNull, samples: num });
const quality: Check = (v, p) => {
  oneOf('reference', 'stochastic', 'unmeasured', 'measured')((v as { kind?: unknown } | null)?.kind, `${p}.kind`);
  if ((v as { kind: string }).kind === 'measured') {
    object({ ssimMean: num, ssimSd: num, psnrMean: numOrNull, psnrSd: numOrNull, identicalImages: num })(v, p);
  }
};

/**
 * A schema-1 result (DDPM and DDIM only, where a step is one model call) in schema 2's names; other values
 * are returned as they are.
 */
export function upgradeBenchResult(value: unknown): unknown {
  const v = value as { schema?: unknown; configurations?: unknown } | null;
  if (v?.schema !== 'denoise-bench/1' || !Array.isArray(v.configurations)) return value;
  const configurations = v.configurations.map((c: Record<string, unknown> | null) => {
    if (c === null || typeof c !== 'object') return c; // left for checkBenchResult to name
    const { stepsPerSec, modelMsPerStep, loopMsPerStep, ...rest } = c;
    return { ...rest, modelCalls: c['steps'], callsPerSec: stepsPerSec, modelMsPerCall: modelMsPerStep, loopMsPerCall: loopMsPerStep };
  });
  return { ...v, schema: BENCH_RESULT_SCHEMA, configurations };
}

/** The schema of a bench result, checked field by field: what `--compare` and the CI smoke test rely on. */
export const checkBenchResult: (value: unknown) => asserts value is BenchResult = (value) =>
  object({
    schema: oneOf(BENCH_RESULT_SCHEMA),
    environment: object({ cpuModel: str, logicalCores: num, memoryGiB: num, os: str, node: str, onnxruntime: str, denoise: str, gitCommit: str, gitDirty: bool, date: str }),
    settings: object({
      model: str,
      modelSha256: str,
      executionProvider: provider,
      adapter,
      threads: numOrNull,
      batch: num,
      seed: num,
      generator: oneOf('torch'),
      iterations: (v, p) => (v === 'auto' ? undefined : num(v, p)),
      quick: bool,
      reference: str,
    }),
    bareCall: wallTime,
    torchBaseline: optional(object({ available: bool })),
    crossProvider,
    configurations: array(
      object({
        name: str,
        kind: oneOf(...SAMPLER_KINDS),
        steps: num,
        modelCalls: num,
        eta: num,
        spacing: str,
        stochastic: bool,
        wall: wallTime,
        callsPerSec: num,
        imagesPerSec: num,
        modelMsPerCall: num,
        loopMsPerCall: num,
        ceilingMs: num,
        overheadPct: num,
        peakRssMiB: num,
        quality,
        fid: numOrNull,
        kid: numOrNull,
      }),
    ),
  })(value, 'result');
