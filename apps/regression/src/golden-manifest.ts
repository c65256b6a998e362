/**
 * fixtures/golden/manifest.json: what each golden case runs (model, scheduler, seed, thresholds) and,
 * once `pnpm test:golden --update` has made its PNG, what it was made with (model sha256, onnxruntime).
 * Parsed once, here, by one zod schema (the types below are derived from it), with errors that name the key
 * path, the value and what is allowed (ConfigError, as every config error of denoise); readGoldenManifest adds
 * the file.
 */
import { readRegularFile } from '@denoise/image';
import { ConfigError, parseSchedulerConfig } from '@denoise/schedule';
import { GENERATOR_KINDS, SAMPLER_KINDS } from '@denoise/sampler';
import { DEEP_CACHE_SCHEDULES } from '@denoise/runtime';
import { z } from 'zod';
import { configErrorOf, enumOf, finiteIn, integerFrom, jsonObject, nonEmptyString, type IssueValue } from './config-schema.js';

export const GOLDEN_MANIFEST_VERSION = 1;

/** Defaults, in one place. SSIM 0.99 per image; 30 dB is far below what a few levels of drift give. */
export const GOLDEN_DEFAULTS = Object.freeze({
  ssimThreshold: 0.99,
  psnrFloorDb: 30,
  eta: 0,
  executionProvider: 'cpu' as const,
  threads: 1,
});

/**
 * Where a case runs. A golden is made only on the CPU; a `webgpu` case runs on the WebGPU provider and is
 * compared, under its own SSIM/PSNR thresholds, with the golden PNG of the CPU case it names in `goldenOf`
 * (bit-identity across providers is not expected).
 */
export const GOLDEN_EXECUTION_PROVIDERS = ['cpu', 'webgpu'] as const;
export type GoldenExecutionProvider = (typeof GOLDEN_EXECUTION_PROVIDERS)[number];

const CASE_NAME = /^[a-z0-9][a-z0-9.-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
const SPACINGS = ['leading', 'trailing', 'linspace'] as const;

/** How the model runs for every case: one intra-op thread keeps onnxruntime's float reductions in one order. */
const runtimeSchema = jsonObject({
  // Goldens are CPU images: another provider is another set of numerics. A case runs elsewhere on its own
  // (cases[].executionProvider + goldenOf), compared with a CPU golden by SSIM, never making one.
  executionProvider: z
    .literal('cpu', { error: "'cpu' (goldens are CPU images; run a single case on webgpu with its own executionProvider and goldenOf)" })
    .default(GOLDEN_DEFAULTS.executionProvider),
  threads: integerFrom(1).default(GOLDEN_DEFAULTS.threads),
});

/** What a golden PNG was made with, written by `--update`. */
const provenanceSchema = jsonObject({
  modelSha256: z.string({ error: '64 lower-case hex digits' }).regex(SHA256, { error: '64 lower-case hex digits' }),
  /** For an `hf:` model: the commit its revision resolved to when the golden was made. */
  modelRevision: z.string({ error: 'a 40-hex-digit commit' }).regex(/^[0-9a-f]{40}$/, { error: 'a 40-hex-digit commit' }).optional(),
  onnxruntime: nonEmptyString(),
  /** cpuFingerprint() of the machine: with the same onnxruntime and threads, the run must be bit-identical. */
  cpu: nonEmptyString(),
  threads: integerFrom(1),
  /** sha256 of x_0's float32 bytes: equal here means bit-identical to the run that made the golden. */
  floatSha256: z.string({ error: '64 lower-case hex digits' }).regex(SHA256, { error: '64 lower-case hex digits' }),
});

/** snake_case scheduler_config.json keys over the model's own config, checked by the schedule package's parser. */
const overridesSchema = z.record(z.string(), z.unknown(), { error: 'a JSON object' }).superRefine((raw, ctx) => {
  const issue = (key: string, value: unknown, allowed: string) =>
    ctx.addIssue({ code: 'custom', path: [key], message: allowed, params: { value } satisfies IssueValue });
  if ('timestep_spacing' in raw) return issue('timestep_spacing', raw['timestep_spacing'], "nothing here: set the case's timestepSpacing");
  try {
    parseSchedulerConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issue(error.key, error.value, error.allowed);
  }
});

const caseSchema = jsonObject({
  /** Also the PNG's name: fixtures/golden/<name>.png. */
  name: nonEmptyString().regex(CASE_NAME, { error: 'lower-case letters, digits, dots and dashes (it names the PNG)' }),
  /** Model folder or .onnx file, relative to the manifest's folder (or absolute, or an hf:/synthetic: reference). */
  model: nonEmptyString(),
  sampler: enumOf(SAMPLER_KINDS),
  steps: integerFrom(1),
  /** DDIM's η; 0 for the other samplers. */
  eta: finiteIn(0, Infinity).default(GOLDEN_DEFAULTS.eta),
  timestepSpacing: enumOf(SPACINGS),
  /** Further scheduler_config.json keys (snake_case), over the model's own config. */
  schedulerOverrides: overridesSchema.default({}),
  /** Seeds x_T (unless `noise` is given) and every per-step draw. */
  seed: integerFrom(0),
  generator: enumOf(GENERATOR_KINDS),
  /** x_T from an .npy file (relative to the manifest's folder, or absolute) instead of the generator. */
  noise: nonEmptyString().optional(),
  /** DeepCache (diffusers folders): one full UNet call in `interval`, cut at skip `branch` (default 0), `schedule` uniform (default) or quadratic. */
  deepCache: jsonObject({
    interval: integerFrom(2),
    branch: integerFrom(0).optional(),
    schedule: enumOf(DEEP_CACHE_SCHEDULES).optional(),
  }).optional(),
  /** Class labels of a class-conditional model: one for every image, or one per image. */
  classLabels: z
    .array(integerFrom(0), { error: 'a non-empty list of class indices ≥ 0: one for every image, or one per image' })
    .min(1, { error: 'a non-empty list of class indices ≥ 0: one for every image, or one per image' })
    .optional(),
  /**
   * A text-to-image pipeline (Stable Diffusion): the prompt, the negative prompt ('' by default) and the guidance
   * scale (diffusers' 7.5 by default); `batch` images are made for the prompt (num_images_per_prompt).
   */
  prompt: z.string({ error: 'a string (the prompt of a text-to-image pipeline)' }).optional(),
  negativePrompt: z.string({ error: 'a string' }).optional(),
  guidanceScale: finiteIn(-Infinity, Infinity).optional(),
  batch: integerFrom(1),
  ssimThreshold: finiteIn(-1, 1).default(GOLDEN_DEFAULTS.ssimThreshold),
  psnrFloorDb: finiteIn(0, Infinity).default(GOLDEN_DEFAULTS.psnrFloorDb),
  /** The provider the case runs on; the runtime's ('cpu', the only one a runtime may name) unless the case names another. */
  executionProvider: enumOf(GOLDEN_EXECUTION_PROVIDERS, ` (default: the runtime's '${GOLDEN_DEFAULTS.executionProvider}')`).default(
    GOLDEN_DEFAULTS.executionProvider,
  ),
  /**
   * A non-CPU case only: the name of the CPU case (same settings) whose golden PNG it is compared with.
   * Such a case never has a golden PNG or a `golden` block of its own.
   */
  goldenOf: nonEmptyString().optional(),
  /** Absent until `--update` has made the golden; always absent on a case with `goldenOf`. */
  golden: provenanceSchema.optional(),
}).superRefine((c, ctx) => {
  const issue = (key: string, value: unknown, allowed: string) =>
    ctx.addIssue({ code: 'custom', path: [key], message: allowed, params: { value } satisfies IssueValue });
  if (c.sampler !== 'ddim' && c.eta !== 0) issue('eta', c.eta, `0 (only ddim takes η; ${c.sampler} takes none)`);
  if (c.prompt === undefined) {
    if (c.negativePrompt !== undefined) issue('negativePrompt', c.negativePrompt, 'nothing without a prompt (it is a text-to-image setting)');
    if (c.guidanceScale !== undefined) issue('guidanceScale', c.guidanceScale, 'nothing without a prompt (it is a text-to-image setting)');
  } else if (c.classLabels !== undefined) {
    issue('classLabels', c.classLabels, 'nothing with a prompt (a text-to-image pipeline is conditioned on text)');
  }
  if (c.classLabels !== undefined && c.classLabels.length !== 1 && c.classLabels.length !== c.batch) {
    issue('classLabels', c.classLabels, `a list of class indices ≥ 0: one for every image, or ${c.batch} (one per image)`);
  }
  const provider = c.executionProvider;
  if (provider === 'cpu' && c.goldenOf !== undefined) {
    issue('goldenOf', c.goldenOf, 'nothing on a cpu case (it has a golden PNG of its own); goldenOf goes with executionProvider webgpu');
  }
  if (provider !== 'cpu' && c.goldenOf === undefined) {
    issue(
      'goldenOf',
      undefined,
      `the name of a cpu case with the same settings, whose golden PNG this ${provider} case is compared with (goldens are CPU images; a ${provider} case never makes one)`,
    );
  }
  if (provider !== 'cpu' && c.golden !== undefined) {
    issue('golden', c.golden, `nothing on a ${provider} case: it is compared with the golden of '${String(c.goldenOf)}' and has none of its own`);
  }
});

/** What a `goldenOf` case must share with the CPU case it names: everything that decides the images. */
const SAME_AS_GOLDEN_OF = [
  'model', 'sampler', 'steps', 'eta', 'timestepSpacing', 'schedulerOverrides', 'seed', 'generator', 'noise', 'classLabels', 'prompt',
  'negativePrompt', 'guidanceScale', 'batch',
] as const;

const manifestSchema = jsonObject({
  description: nonEmptyString().optional(),
  version: z.literal(GOLDEN_MANIFEST_VERSION, { error: String(GOLDEN_MANIFEST_VERSION) }),
  runtime: runtimeSchema.default({ executionProvider: GOLDEN_DEFAULTS.executionProvider, threads: GOLDEN_DEFAULTS.threads }),
  cases: z
    .array(caseSchema, { error: 'a non-empty array of golden cases' })
    .min(1, { error: 'a non-empty array of golden cases' }),
}).superRefine((manifest, ctx) => {
  const issue = (path: (string | number)[], value: unknown, allowed: string) =>
    ctx.addIssue({ code: 'custom', path, message: allowed, params: { value } satisfies IssueValue });
  const { cases } = manifest;
  const names = new Set<string>();
  cases.forEach((c, i) => {
    if (names.has(c.name)) issue(['cases', i, 'name'], c.name, 'a name no other case has');
    names.add(c.name);
  });
  // A `goldenOf` names a cpu case of this manifest with the same settings: its golden must be this case's image.
  cases.forEach((c, i) => {
    if (c.goldenOf === undefined) return;
    const cpuCases = cases.filter((other) => other.executionProvider === 'cpu').map((other) => other.name);
    const source = cases.find((other) => other.name === c.goldenOf);
    if (source === undefined || source.executionProvider !== 'cpu') {
      const what = source === undefined ? 'no case has this name' : `'${source.name}' runs on ${source.executionProvider} and has no golden of its own`;
      issue(['cases', i, 'goldenOf'], c.goldenOf, `the name of a cpu case in this manifest (${what}); cpu cases: ${cpuCases.join(', ') || 'none'}`);
      return;
    }
    const key = SAME_AS_GOLDEN_OF.find((k) => JSON.stringify(c[k]) !== JSON.stringify(source[k]));
    if (key !== undefined) {
      issue(
        ['cases', i, key],
        c[key],
        `${JSON.stringify(source[key]) ?? 'nothing'}, as in '${source.name}' (goldenOf): the case is compared with that case's golden, so it must make the same images`,
      );
    }
  });
});

export type GoldenRuntime = Readonly<z.output<typeof runtimeSchema>>;
export type GoldenProvenance = Readonly<z.output<typeof provenanceSchema>>;
export type GoldenCase = Readonly<z.output<typeof caseSchema>>;
export type GoldenManifest = Readonly<z.output<typeof manifestSchema>>;

/** Checks a parsed manifest.json value; a ConfigError names the first bad key path, its value and what is allowed. */
export function parseGoldenManifest(input: unknown): GoldenManifest {
  const result = manifestSchema.safeParse(input);
  if (!result.success) throw configErrorOf(result.error, input, 'manifest');
  return result.data;
}

/** Reads and parses a manifest file; errors name the file. */
export async function readGoldenManifest(path: string): Promise<GoldenManifest> {
  let text: string;
  try {
    text = (await readRegularFile(path)).toString('utf8');
  } catch (error) {
    throw new Error(`cannot read the golden manifest ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  try {
    return parseGoldenManifest(JSON.parse(text));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The manifest as it is committed: every field explicit, two-space JSON, a final newline. */
export function serializeGoldenManifest(manifest: GoldenManifest): string {
  const json = {
    ...(manifest.description !== undefined ? { description: manifest.description } : {}),
    version: GOLDEN_MANIFEST_VERSION,
    runtime: manifest.runtime,
    cases: manifest.cases.map((c) => ({
      name: c.name,
      model: c.model,
      sampler: c.sampler,
      steps: c.steps,
      eta: c.eta,
      timestepSpacing: c.timestepSpacing,
      schedulerOverrides: c.schedulerOverrides,
      seed: c.seed,
      generator: c.generator,
      ...(c.noise !== undefined ? { noise: c.noise } : {}),
      ...(c.deepCache !== undefined ? { deepCache: c.deepCache } : {}),
      ...(c.classLabels !== undefined ? { classLabels: c.classLabels } : {}),
      ...(c.prompt !== undefined ? { prompt: c.prompt } : {}),
      ...(c.negativePrompt !== undefined ? { negativePrompt: c.negativePrompt } : {}),
      ...(c.guidanceScale !== undefined ? { guidanceScale: c.guidanceScale } : {}),
      batch: c.batch,
      ssimThreshold: c.ssimThreshold,
      psnrFloorDb: c.psnrFloorDb,
      // Written only where the case leaves the runtime's provider, so CPU cases read as they always have.
      ...(c.executionProvider !== manifest.runtime.executionProvider ? { executionProvider: c.executionProvider } : {}),
      ...(c.goldenOf !== undefined ? { goldenOf: c.goldenOf } : {}),
      ...(c.golden !== undefined ? { golden: c.golden } : {}),
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The case whose golden PNG and provenance `goldenCase` is checked against: itself, or the CPU case of its `goldenOf`. */
export function goldenSource(goldenCase: GoldenCase, cases: readonly GoldenCase[]): GoldenCase {
  if (goldenCase.goldenOf === undefined) return goldenCase;
  const source = cases.find((c) => c.name === goldenCase.goldenOf);
  if (source === undefined) throw new Error(`golden case '${goldenCase.name}': goldenOf names '${goldenCase.goldenOf}', which is not among the cases`);
  return source;
}
