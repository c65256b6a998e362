import { z } from 'zod';
import { GUIDANCE_KINDS, SAMPLER_KINDS } from '@denoise/sampler';

/**
 * 3: per-image seeds, interleaved rounds, speed ratios and FID/KID with bootstrap 95 % intervals, sharded sweeps;
 * 2: speed per model call (Heun and PNDM call the model more than once per step); 1 had per-step names.
 */
export const BENCH_RESULT_SCHEMA = 'denoise-bench/3';

const finite = z.number().refine(Number.isFinite, 'a finite number');
/** A time, rate or size: finite and ≥ 0 (a negative wall time is an edited or corrupt result). */
const nonNegative = z.number().refine((v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
const count = z.number().int().nonnegative();
const text = z.string().min(1);
const interval = z.object({ low: finite, high: finite });
export type Interval = z.infer<typeof interval>;

/** Latency statistics of one configuration, in ms per batch. */
const wallTime = z.object({
  meanMs: nonNegative,
  p50Ms: nonNegative,
  p99Ms: nonNegative,
  minMs: nonNegative,
  maxMs: nonNegative,
  sdMs: nonNegative,
  /** Half-width of the 95 % confidence interval of the mean (Student t); 0 with a single sample (no interval). */
  moeMs: nonNegative,
  /** Relative margin of error, %; null with a single sample. */
  rmePct: nonNegative.nullable(),
  samples: count,
});
export type WallTime = z.infer<typeof wallTime>;

const quality = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reference') }),
  z.object({ kind: z.literal('stochastic') }),
  /** `--reference none`: no configuration to compare with (for models too slow for a DDIM-1000 reference). */
  z.object({ kind: z.literal('unmeasured') }),
  z.object({
    kind: z.literal('measured'),
    ssimMean: finite,
    ssimSd: finite,
    /** PSNR in dB over the images that differ at all; identical images (PSNR = ∞) are counted apart. */
    psnrMean: finite.nullable(),
    psnrSd: finite.nullable(),
    identicalImages: count,
  }),
]);
export type Quality = z.infer<typeof quality>;

const distribution = z.object({
  samples: count,
  fid: finite,
  /** null when the reference has only μ and Σ (a statistics file without features). */
  kid: finite.nullable(),
  /** Spread of KID over its subsets (torch-fidelity's kid_std). */
  kidStd: finite.nullable(),
  /** Bootstrap 95 % intervals (resampling the generated images; the real set fixed). Absent in schema-2 results. */
  fidInterval: interval.optional(),
  kidInterval: interval.nullable().optional(),
  /** Samples per predicted class (argmax of the classifier's logits): mode coverage; empty for an extractor without logits. */
  classCounts: z.array(count),
});

const configuration = z.object({
  name: text,
  kind: z.enum(SAMPLER_KINDS),
  /** Inference steps S. */
  steps: count,
  /** Model evaluations per image batch: the unit of cost (Heun-10 makes 19, PNDM-50 59). */
  modelCalls: count,
  eta: finite,
  spacing: text,
  stochastic: z.boolean(),
  wall: wallTime,
  callsPerSec: nonNegative,
  imagesPerSec: nonNegative,
  /** Averages over every timed batch, from the sampler's own per-call timings (a pipeline's model is its UNet). */
  modelMsPerCall: nonNegative,
  loopMsPerCall: nonNegative,
  /**
   * The model time per call by kind of call (callKindTimes: plain, DeepCache full or shallow, float32 or int8), over
   * this configuration's batches; absent in results written before kinds were recorded.
   */
  msPerCallByKind: z.record(z.string(), nonNegative).optional(),
  /**
   * A text-to-image pipeline's batch, part by part (means over the timed batches, ms per batch): text encoding, the
   * UNet calls, the loop's own work, VAE decoding. The wall time is these and the little left between them.
   */
  split: z.object({ textMs: nonNegative, unetMs: nonNegative, loopMs: nonNegative, decodeMs: nonNegative }).optional(),
  /** modelCalls × the mean bare session.run per call (measured in the same rounds): the physical limit here. */
  ceilingMs: finite,
  /**
   * Harness overhead, %: the share of the wall time spent outside the model (schema 3: from each batch's own
   * timings; schema ≤ 2: (wall − ceiling) / wall).
   */
  overheadPct: finite,
  /** Bootstrap 95 % interval of overheadPct over the configuration's batches. */
  overheadInterval: interval.nullable().optional(),
  /** wall / ceiling with its bootstrap 95 % interval: 1 would be bare session.run speed. */
  vsBare: z.object({ ratio: finite, low: finite, high: finite }).nullable().optional(),
  /**
   * How many times faster than the speed baseline (ddpm-1000 when present), from time-matched costs (see
   * timeMatchedSpeedup: the per-call model time pooled over the run, each configuration's own time outside the
   * model), with its bootstrap 95 % interval.
   */
  speedup: z.object({ baseline: text, ratio: finite, low: finite, high: finite }).nullable().optional(),
  /** The raw ratio of the two wall-time means, with its bootstrap 95 % interval (host drift included). */
  wallSpeedup: z.object({ baseline: text, ratio: finite, low: finite, high: finite }).nullable().optional(),
  peakRssMiB: nonNegative,
  quality,
  /** Distribution quality (FID/KID, `--quality fid`): null when not measured, never invented. */
  fid: finite.nullable(),
  kid: finite.nullable(),
  distribution: distribution.optional(),
  /** Images generated in all; and sha256 over the per-image sha256 of their float32 results, in image order. */
  images: count.optional(),
  imageDigest: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type ConfigurationResult = z.infer<typeof configuration>;

const provider = z.enum(['cpu', 'webgpu', 'cuda']);
const adapter = z.object({ vendor: text, device: text, driver: text, software: z.boolean() });

const torchBaselineRow = z.object({
  name: text,
  /** One timed run of tools/denoise_tools/torch_baseline (PyTorch), ms per batch. */
  wallMs: finite,
  stepsPerSec: finite,
  imagesPerSec: nonNegative,
  /** PyTorch wall time / denoise wall time: > 1 means denoise is faster. */
  torchOverDenoiseWall: finite,
  /** Between the two frameworks' final float images from the same x_T. */
  maxAbsDiff: finite,
  ssimMean: finite,
});
export type TorchBaselineRow = z.infer<typeof torchBaselineRow>;
const torchBaseline = z.union([
  z.object({ available: z.literal(false), reason: text }),
  z.object({ available: z.literal(true), torch: text, threads: count, rows: z.array(torchBaselineRow) }),
]);
export type TorchBaseline = z.infer<typeof torchBaseline>;

const crossProviderRow = z.object({
  name: text,
  /** Between this provider's final float images and the primary provider's first batch (same x_T and step noise). */
  maxAbsDiff: finite,
  /** SSIM (8-bit, per image) against the primary provider's images, mean over the batch. */
  ssimMean: finite,
  /** One run on this provider (not a mean), ms per batch, after a warm-up call. */
  wallMs: finite,
});
export type CrossProviderRow = z.infer<typeof crossProviderRow>;
const crossProviderRun = z.object({
  executionProvider: provider,
  /** With webgpu: the adapter it ran on; `software` for a CPU implementation of Vulkan (lavapipe). */
  adapter: adapter.optional(),
  /** Session creation on this provider. */
  sessionMs: finite,
  /** The warm-up call (on webgpu this includes compiling the shaders). */
  warmupMs: finite.optional(),
  rows: z.array(crossProviderRow).min(1),
});
export type CrossProviderRun = z.infer<typeof crossProviderRun>;
/** `--ep A,B,…`: every configuration run once more on B, … and compared with the primary provider A's images. */
const crossProvider = z.object({ primary: provider, providers: z.array(crossProviderRun).min(1) });
export type CrossProvider = z.infer<typeof crossProvider>;

const environment = z.object({
  cpuModel: text,
  logicalCores: count,
  memoryGiB: finite,
  os: text,
  node: text,
  onnxruntime: text,
  denoise: text,
  gitCommit: text,
  gitDirty: z.boolean(),
  date: text,
});
export type BenchEnvironment = z.infer<typeof environment>;

/** A paired bootstrap difference FID(a) − FID(b) over the same resampled image indices. */
const fidComparison = z.object({ a: text, b: text, difference: finite, low: finite, high: finite });
export type FidComparison = z.infer<typeof fidComparison>;

export const benchResultSchema = z.object({
  schema: z.literal(BENCH_RESULT_SCHEMA),
  environment,
  settings: z.object({
    model: text,
    modelSha256: text,
    /** For an `hf:` model: the commit its revision resolved to. */
    modelRevision: text.optional(),
    executionProvider: provider,
    /** With the webgpu provider: the adapter it ran on, as far as the machine tells. */
    adapter: adapter.optional(),
    threads: count.nullable(),
    batch: count,
    seed: count,
    generator: z.literal('torch'),
    /** per-image: image i's generator is seeded imageSeed(seed, i); batch: one generator per batch (schema ≤ 2). */
    seeding: z.enum(['per-image', 'batch']),
    iterations: z.union([count, z.literal('auto')]),
    quick: z.boolean(),
    /**
     * With `--quality fid`: samples per configuration, the feature extractor (`classifier`) and its sha256, and (absent
     * in results made before Inception features) the FID protocol (null: the embedded classifier) and the reference.
     */
    fid: z.object({ samples: count, classifier: text, classifierSha256: text, protocol: text.nullable().optional(), reference: text.optional(), referenceSha256: text.optional() }).optional(),
    /** The configuration every deterministic one is compared with (same x_T); 'none' with `--reference none`. */
    reference: text,
    /** Class labels of a class-conditional model, and the diffusers weights variant, when given. */
    classLabels: z.array(count).optional(),
    variant: text.optional(),
    /** The images' size (a pipeline's decoded images); absent in results made before it was recorded. */
    imageSize: z.object({ height: count, width: count }).optional(),
    /**
     * A text-to-image pipeline's conditioning: image i of every configuration takes prompts[i mod P] and the latents
     * of imageSeed(seed, i); the negative prompt (null when none; '' in results made before SDXL) and guidance scale of the run, and how the scale
     * entered (absent in results made before LCM: classifier-free when the scale is > 1).
     */
    textToImage: z
      .object({ pipeline: text, prompts: z.array(text).min(1), promptsSha256: text, negativePrompt: z.string().nullable(), guidanceScale: finite, guidance: z.enum(GUIDANCE_KINDS).optional() })
      .optional(),
    /** A sweep's identity (sha256 of its plan, 16 hex digits), its shard count, and the hosts that ran its units. */
    sweepId: text.optional(),
    shards: count.optional(),
    hosts: z.array(text).optional(),
    /** The bootstrap behind every interval: resamples and the seed of their draws. */
    bootstrap: z.object({ resamples: count, seed: count }).optional(),
  }),
  /** Bare session.run on the same inputs, per call. */
  bareCall: wallTime,
  configurations: z.array(configuration).min(1),
  /** With `--quality fid`: every pair's paired FID difference and its 95 % interval. */
  fidComparisons: z.array(fidComparison).optional(),
  /** Present when the run was made with `--baseline torch`. */
  torchBaseline: torchBaseline.optional(),
  /** Present when the run was made with more than one provider (`--ep cpu,webgpu`). */
  crossProvider: crossProvider.optional(),
});
export type BenchResult = z.infer<typeof benchResultSchema>;

/**
 * An older result in schema 3's names: schema 1 (DDPM and DDIM only, where a step is one model call) and schema 2
 * (one generator per batch). Other values are returned as they are, for the schema to name what is wrong.
 */
export function upgradeBenchResult(value: unknown): unknown {
  let v = value as { schema?: unknown; configurations?: unknown; settings?: unknown } | null;
  if (v?.schema === 'denoise-bench/1' && Array.isArray(v.configurations)) {
    const configurations = v.configurations.map((c: Record<string, unknown> | null) => {
      if (c === null || typeof c !== 'object') return c;
      const { stepsPerSec, modelMsPerStep, loopMsPerStep, ...rest } = c;
      return { ...rest, modelCalls: c['steps'], callsPerSec: stepsPerSec, modelMsPerCall: modelMsPerStep, loopMsPerCall: loopMsPerStep };
    });
    v = { ...v, schema: 'denoise-bench/2', configurations };
  }
  if (v?.schema === 'denoise-bench/2' && v.settings !== null && typeof v.settings === 'object') {
    v = { ...v, schema: BENCH_RESULT_SCHEMA, settings: { ...v.settings, seeding: 'batch' } };
  }
  return v;
}

/** Parses a bench result; the error names each wrong key by its path and what it should be. */
export function parseBenchResult(value: unknown, source: string): BenchResult {
  const parsed = benchResultSchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`${source}: not a bench result: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** "settings.batch: expected number, received string; configurations[2].wall.meanMs: …" (at most 5). */
export function formatIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : '';
  return issues.join('; ') + more;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
