import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GUIDANCE_KINDS } from '@denoise/sampler';
import { BenchInputError } from './bench-input-error.js';

/**
 * A sweep: every configuration × its image batches, fixed before any work starts, so that any number of shards on
 * any hosts agree on what the work is. Image i of every configuration starts from the same per-image seed
 * (imageSeed(seed, i)), so its result does not depend on which shard made it, nor when.
 */
export const SWEEP_SCHEMA = 'denoise-sweep/3';

const count = z.number().int().nonnegative();
const text = z.string().min(1);
const positive = z.number().int().positive();

/**
 * How a text-to-image pipeline's images are conditioned: image i takes prompts[i mod P] (its latents from
 * imageSeed(seed, i), as for every model), with the negative prompt and classifier-free guidance scale of the run.
 * The prompts themselves are part of the sweep's identity, and their sha256 names them in the reports.
 */
const textToImagePlan = z.object({
  /** model_index.json's _class_name (StableDiffusionPipeline). */
  pipeline: text,
  prompts: z.array(text).min(1),
  promptsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** null when none was given (diffusers' negative_prompt=None: the empty prompt's rows, or SDXL's zeros). */
  negativePrompt: z.string().nullable(),
  /** diffusers' guidance_scale; classifier-free guidance runs (the UNet at batch 2B) when it is > 1, unless the UNet takes it as an embedding (LCM). */
  guidanceScale: z.number().refine(Number.isFinite, 'a finite number'),
  guidance: z.enum(GUIDANCE_KINDS).optional(),
});
export type TextToImagePlan = z.infer<typeof textToImagePlan>;

const sweepConfiguration = z.object({
  name: text,
  /** Batches of `batch` images: image indices 0 … images − 1 (the last batch may be short). */
  batches: z.number().int().positive(),
  images: z.number().int().positive(),
  /** The timestep spacing it runs with (its own, or the scheduler config's). */
  spacing: text,
  /** Some step's result depends on its noise (planRun's noiseEnters): its images are not a function of x_T alone. */
  stochastic: z.boolean(),
  /** Whether its images' features are extracted for FID/KID. */
  fid: z.boolean(),
});

export const sweepPlanSchema = z.object({
  schema: z.literal(SWEEP_SCHEMA),
  /** As given (a path differs between hosts); the model is identified by its sha256. */
  model: text,
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  modelRevision: text.optional(),
  executionProvider: z.enum(['cpu', 'webgpu', 'cuda']),
  threads: z.number().int().positive().nullable(),
  batch: z.number().int().positive(),
  seed: count,
  generator: z.literal('torch'),
  iterations: z.union([z.number().int().positive(), z.literal('auto')]),
  quick: z.boolean(),
  configurations: z.array(sweepConfiguration).min(1),
  /** The configuration the deterministic ones are compared with, image by image; 'none' for no comparison. */
  reference: text,
  /**
   * An FID sweep: samples per configuration; the feature extractor (`classifier`: the embedded classifier, pytorch-fid's
   * Inception or an ONNX model) and its sha256; the FID protocol (null for the embedded classifier, fed the float
   * samples); and the reference, whose statistics every shard folder carries (fid-reference.npz).
   */
  fid: z.object({ samples: z.number().int().positive(), classifier: text, classifierSha256: text, protocol: text.nullable(), reference: text, referenceSha256: text }).optional(),
  classLabels: z.array(count).optional(),
  variant: text.optional(),
  /** The size of the images made (for a pipeline, of the decoded images; its latents are this / the VAE's factor). */
  imageSize: z.object({ height: positive, width: positive }).optional(),
  textToImage: textToImagePlan.optional(),
  /** The code that makes the images: shards of one sweep must run the same. */
  code: z.object({ denoise: text, gitCommit: text, gitDirty: z.boolean() }),
});
export type SweepPlan = z.infer<typeof sweepPlanSchema>;

/** The plan without what may differ between the hosts of one sweep (paths). */
export function sweepIdentity(plan: SweepPlan): Record<string, unknown> {
  const { model: _model, fid, ...rest } = plan;
  return { ...rest, ...(fid ? { fid: { samples: fid.samples, classifierSha256: fid.classifierSha256, protocol: fid.protocol, referenceSha256: fid.referenceSha256 } } : {}) };
}

/** 16 hex digits of the sha256 of the plan's identity (keys sorted). */
export function sweepIdOf(plan: SweepPlan): string {
  return createHash('sha256').update(canonicalJson(sweepIdentity(plan))).digest('hex').slice(0, 16);
}

/** The first key (dotted path) where two plans' identities differ, with both values; undefined when they agree. */
export function firstDifference(a: SweepPlan, b: SweepPlan): { key: string; a: string; b: string } | undefined {
  return differ(sweepIdentity(a), sweepIdentity(b), '');
}

function differ(a: unknown, b: unknown, path: string): { key: string; a: string; b: string } | undefined {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const found = differ((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  }
  return canonicalJson(a) === canonicalJson(b) ? undefined : { key: path || '(plan)', a: canonicalJson(a) ?? 'absent', b: canonicalJson(b) ?? 'absent' };
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** One unit of work: batch `batch` of one configuration, images first … first + count − 1. */
export interface WorkUnit {
  readonly config: string;
  readonly configIndex: number;
  readonly batch: number;
  readonly first: number;
  readonly count: number;
  readonly fid: boolean;
  /** The round it runs in (0 … rounds − 1): its batches spread evenly over the rounds. */
  readonly round: number;
}

export const unitKey = (config: string, batch: number): string => `${config} batch ${batch}`;

/**
 * Every unit of the plan in the order a shard runs them: R rounds, R the largest batch count, and batch b of a
 * configuration with B batches in round ⌊(b + ½)·R / B⌋, so that every configuration's batches (3 of DDPM-1000,
 * 20 of DDIM-10) spread evenly over the whole run and the host's drift reaches all of them alike, rather than one
 * configuration being timed after another. Within a round, configurations keep the plan's order.
 */
export function planUnits(plan: SweepPlan): WorkUnit[] {
  const rounds = Math.max(...plan.configurations.map((c) => c.batches));
  const units: WorkUnit[] = [];
  plan.configurations.forEach((c, configIndex) => {
    for (let batch = 0; batch < c.batches; batch++) {
      const first = batch * plan.batch;
      const round = Math.floor(((batch + 0.5) * rounds) / c.batches);
      units.push({ config: c.name, configIndex, batch, first, count: Math.min(plan.batch, c.images - first), fid: c.fid, round });
    }
  });
  return units.sort((a, b) => a.round - b.round || a.configIndex - b.configIndex);
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/**
 * The shard (1-based) that runs a unit: (batch + configuration index) mod N. Each configuration's batches are dealt
 * out in turn, so every shard gets about 1/N of every configuration (and of the costly ones), and round r of a shard
 * holds a rotating subset of the configurations.
 */
export function shardOf(unit: Pick<WorkUnit, 'batch' | 'configIndex'>, shards: number): number {
  return ((unit.batch + unit.configIndex) % shards) + 1;
}

export const SHARD_GRAMMAR = 'K/N with 1 ≤ K ≤ N (e.g. 2/3)';

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new BenchInputError(`--shard: expected ${SHARD_GRAMMAR}, got '${text}'`);
  }
  return { index, count };
}

export const shardDirName = (shard: Shard): string => `shard-${shard.index}-of-${shard.count}`;
