/**
 * fixtures/golden/manifest.json: what each golden case runs (model, scheduler, seed, thresholds) and,
 * once `pnpm test:golden --update` has made its PNG, what it was made with (model sha256, onnxruntime).
 * Parsed once, here, with errors that name the key, the value and what is allowed.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, parseSchedulerConfig, type TimestepSpacing } from '@denoise/schedule';
import { GENERATOR_KINDS, SAMPLER_KINDS, type GeneratorKind, type SamplerKind } from '@denoise/sampler';

export const GOLDEN_MANIFEST_VERSION = 1;

/** Defaults, in one place. SSIM 0.99 per image; 30 dB is far below what a few levels of drift give. */
export const GOLDEN_DEFAULTS = Object.freeze({
  ssimThreshold: 0.99,
  psnrFloorDb: 30,
  eta: 0,
  executionProvider: 'cpu' as const,
  threads: 1,
});

/** How the model runs for every case: one intra-op thread keeps onnxruntime's float reductions in one order. */
export interface GoldenRuntime {
  /** Every golden PNG is a CPU image; a case may still run on another provider (GoldenCase.executionProvider). */
  readonly executionProvider: 'cpu';
  readonly threads: number;
}

/**
 * Where a case runs. A golden is made only on the CPU; a `webgpu` case runs on the WebGPU provider and is
 * compared, under its own SSIM/PSNR thresholds, with the golden PNG of the CPU case it names in `goldenOf`
 * (bit-identity across providers is not expected).
 */
export type GoldenExecutionProvider = 'cpu' | 'webgpu';
export const GOLDEN_EXECUTION_PROVIDERS: readonly GoldenExecutionProvider[] = ['cpu', 'webgpu'];

/** What a golden PNG was made with, written by `--update`. */
export interface GoldenProvenance {
  readonly modelSha256: string;
  /** For an `hf:` model: the commit its revision resolved to when the golden was made. */
  readonly modelRevision?: string;
  readonly onnxruntime: string;
  /** cpuFingerprint() of the machine: with the same onnxruntime and threads, the run must be bit-identical. */
  readonly cpu: string;
  readonly threads: number;
  /** sha256 of x_0's float32 bytes: equal here means bit-identical to the run that made the golden. */
  readonly floatSha256: string;
}

export interface GoldenCase {
  /** Also the PNG's name: fixtures/golden/<name>.png. */
  readonly name: string;
  /** Model folder or .onnx file, relative to the repository root. */
  readonly model: string;
  readonly sampler: SamplerKind;
  readonly steps: number;
  /** DDIM's η; 0 for DDPM. */
  readonly eta: number;
  readonly timestepSpacing: TimestepSpacing;
  /** Further scheduler_config.json keys (snake_case), over the model's own config. */
  readonly schedulerOverrides: Readonly<Record<string, unknown>>;
  /** Seeds x_T (unless `noise` is given) and every per-step draw. */
  readonly seed: number;
  readonly generator: GeneratorKind;
  /** x_T from an .npy file (relative to the repository root) instead of the generator. */
  readonly noise?: string;
  /** Class labels of a class-conditional model: one for every image, or one per image. */
  readonly classLabels?: readonly number[];
  readonly batch: number;
  readonly ssimThreshold: number;
  readonly psnrFloorDb: number;
  /** The provider the case runs on; the runtime's ('cpu') unless the case names another. */
  readonly executionProvider: GoldenExecutionProvider;
  /**
   * A non-CPU case only: the name of the CPU case (same settings) whose golden PNG it is compared with.
   * Such a case never has a golden PNG or a `golden` block of its own.
   */
  readonly goldenOf?: string;
  /** Absent until `--update` has made the golden; always absent on a case with `goldenOf`. */
  readonly golden?: GoldenProvenance;
}

export interface GoldenManifest {
  readonly description?: string;
  readonly runtime: GoldenRuntime;
  readonly cases: readonly GoldenCase[];
}

const TOP_KEYS = ['description', 'version', 'runtime', 'cases'] as const;
const RUNTIME_KEYS = ['executionProvider', 'threads'] as const;
const CASE_KEYS = [
  'name', 'model', 'sampler', 'steps', 'eta', 'timestepSpacing', 'schedulerOverrides', 'seed', 'generator',
  'noise', 'classLabels', 'batch', 'ssimThreshold', 'psnrFloorDb', 'executionProvider', 'goldenOf', 'golden',
] as const;
/** What a `goldenOf` case must share with the CPU case it names: everything that decides the images. */
const SAME_AS_GOLDEN_OF = [
  'model', 'sampler', 'steps', 'eta', 'timestepSpacing', 'schedulerOverrides', 'seed', 'generator', 'noise', 'classLabels', 'batch',
] as const;
const GOLDEN_KEYS = ['modelSha256', 'modelRevision', 'onnxruntime', 'cpu', 'threads', 'floatSha256'] as const;
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const CASE_NAME = /^[a-z0-9][a-z0-9.-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function parseGoldenManifest(input: unknown): GoldenManifest {
  const top = readObject(input, 'manifest', TOP_KEYS);
  if (top['version'] !== GOLDEN_MANIFEST_VERSION) throw new ConfigError('version', top['version'], String(GOLDEN_MANIFEST_VERSION));
  const description = top['description'] === undefined ? undefined : readString(top['description'], 'description');
  const runtime = parseRuntime(top['runtime']);
  if (!Array.isArray(top['cases']) || top['cases'].length === 0) {
    throw new ConfigError('cases', top['cases'], 'a non-empty array of golden cases');
  }
  const cases = top['cases'].map((raw: unknown, i) => parseCase(raw, `cases[${i}]`, runtime));
  const names = new Set<string>();
  cases.forEach((c, i) => {
    if (names.has(c.name)) throw new ConfigError(`cases[${i}].name`, c.name, 'a name no other case has');
    names.add(c.name);
  });
  cases.forEach((c, i) => checkGoldenOf(c, `cases[${i}]`, cases));
  return { ...(description !== undefined ? { description } : {}), runtime, cases };
}

/** Reads and parses a manifest file; errors name the file. */
export async function readGoldenManifest(path: string): Promise<GoldenManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
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
      ...(c.classLabels !== undefined ? { classLabels: c.classLabels } : {}),
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

function parseRuntime(input: unknown): GoldenRuntime {
  if (input === undefined) return { executionProvider: GOLDEN_DEFAULTS.executionProvider, threads: GOLDEN_DEFAULTS.threads };
  const raw = readObject(input, 'runtime', RUNTIME_KEYS);
  const executionProvider = raw['executionProvider'] ?? GOLDEN_DEFAULTS.executionProvider;
  // Goldens are CPU images: another provider is another set of numerics. A case runs elsewhere on its own
  // (cases[].executionProvider + goldenOf), compared with a CPU golden by SSIM, never making one.
  if (executionProvider !== 'cpu') {
    throw new ConfigError('runtime.executionProvider', executionProvider, "'cpu' (goldens are CPU images; run a single case on webgpu with its own executionProvider and goldenOf)");
  }
  const threads = raw['threads'] === undefined ? GOLDEN_DEFAULTS.threads : readInteger(raw['threads'], 'runtime.threads', 1);
  return { executionProvider, threads };
}

function parseCase(input: unknown, at: string, runtime: GoldenRuntime): GoldenCase {
  const raw = readObject(input, at, CASE_KEYS);
  const name = readString(raw['name'], `${at}.name`);
  if (!CASE_NAME.test(name)) throw new ConfigError(`${at}.name`, name, 'lower-case letters, digits, dots and dashes (it names the PNG)');
  const sampler = raw['sampler'];
  if (!SAMPLER_KINDS.includes(sampler as SamplerKind)) throw new ConfigError(`${at}.sampler`, sampler, SAMPLER_KINDS.join(', '));
  const eta = raw['eta'] === undefined ? GOLDEN_DEFAULTS.eta : readNumber(raw['eta'], `${at}.eta`, 0, Infinity);
  if (sampler !== 'ddim' && eta !== 0) throw new ConfigError(`${at}.eta`, eta, `0 (only ddim takes η; ${String(sampler)} takes none)`);
  const spacing = raw['timestepSpacing'];
  if (!SPACINGS.includes(spacing as TimestepSpacing)) throw new ConfigError(`${at}.timestepSpacing`, spacing, SPACINGS.join(', '));
  const generator = raw['generator'];
  if (!GENERATOR_KINDS.includes(generator as GeneratorKind)) throw new ConfigError(`${at}.generator`, generator, GENERATOR_KINDS.join(', '));
  const noise = raw['noise'] === undefined ? undefined : readString(raw['noise'], `${at}.noise`);
  const golden = raw['golden'] === undefined ? undefined : parseProvenance(raw['golden'], `${at}.golden`);
  const batch = readInteger(raw['batch'], `${at}.batch`, 1);
  const classLabels = raw['classLabels'] === undefined ? undefined : parseClassLabels(raw['classLabels'], `${at}.classLabels`, batch);
  const executionProvider = raw['executionProvider'] ?? runtime.executionProvider;
  if (!GOLDEN_EXECUTION_PROVIDERS.includes(executionProvider as GoldenExecutionProvider)) {
    throw new ConfigError(`${at}.executionProvider`, executionProvider, `${GOLDEN_EXECUTION_PROVIDERS.join(', ')} (default: the runtime's '${runtime.executionProvider}')`);
  }
  const goldenOf = raw['goldenOf'] === undefined ? undefined : readString(raw['goldenOf'], `${at}.goldenOf`);
  if (executionProvider === 'cpu' && goldenOf !== undefined) {
    throw new ConfigError(`${at}.goldenOf`, goldenOf, 'nothing on a cpu case (it has a golden PNG of its own); goldenOf goes with executionProvider webgpu');
  }
  if (executionProvider !== 'cpu' && goldenOf === undefined) {
    throw new ConfigError(
      `${at}.goldenOf`,
      undefined,
      `the name of a cpu case with the same settings, whose golden PNG this ${String(executionProvider)} case is compared with (goldens are CPU images; a ${String(executionProvider)} case never makes one)`,
    );
  }
  if (executionProvider !== 'cpu' && golden !== undefined) {
    throw new ConfigError(`${at}.golden`, raw['golden'], `nothing on a ${String(executionProvider)} case: it is compared with the golden of '${String(goldenOf)}' and has none of its own`);
  }
  return {
    name,
    model: readString(raw['model'], `${at}.model`),
    sampler: sampler as SamplerKind,
    steps: readInteger(raw['steps'], `${at}.steps`, 1),
    eta,
    timestepSpacing: spacing as TimestepSpacing,
    schedulerOverrides: parseOverrides(raw['schedulerOverrides'], `${at}.schedulerOverrides`),
    seed: readInteger(raw['seed'], `${at}.seed`, 0),
    generator: generator as GeneratorKind,
    ...(noise !== undefined ? { noise } : {}),
    ...(classLabels !== undefined ? { classLabels } : {}),
    batch,
    ssimThreshold: raw['ssimThreshold'] === undefined ? GOLDEN_DEFAULTS.ssimThreshold : readNumber(raw['ssimThreshold'], `${at}.ssimThreshold`, -1, 1),
    psnrFloorDb: raw['psnrFloorDb'] === undefined ? GOLDEN_DEFAULTS.psnrFloorDb : readNumber(raw['psnrFloorDb'], `${at}.psnrFloorDb`, 0, Infinity),
    executionProvider: executionProvider as GoldenExecutionProvider,
    ...(goldenOf !== undefined ? { goldenOf } : {}),
    ...(golden !== undefined ? { golden } : {}),
  };
}

/** A `goldenOf` names a cpu case of this manifest with the same settings: its golden must be this case's image. */
function checkGoldenOf(goldenCase: GoldenCase, at: string, cases: readonly GoldenCase[]): void {
  if (goldenCase.goldenOf === undefined) return;
  const cpuCases = cases.filter((c) => c.executionProvider === 'cpu').map((c) => c.name);
  const source = cases.find((c) => c.name === goldenCase.goldenOf);
  if (source === undefined || source.executionProvider !== 'cpu') {
    const what = source === undefined ? 'no case has this name' : `'${source.name}' runs on ${source.executionProvider} and has no golden of its own`;
    throw new ConfigError(`${at}.goldenOf`, goldenCase.goldenOf, `the name of a cpu case in this manifest (${what}); cpu cases: ${cpuCases.join(', ') || 'none'}`);
  }
  for (const key of SAME_AS_GOLDEN_OF) {
    if (JSON.stringify(goldenCase[key]) !== JSON.stringify(source[key])) {
      throw new ConfigError(
        `${at}.${key}`,
        goldenCase[key],
        `${JSON.stringify(source[key]) ?? 'nothing'}, as in '${source.name}' (goldenOf): the case is compared with that case's golden, so it must make the same images`,
      );
    }
  }
}

/** The case whose golden PNG and provenance `goldenCase` is checked against: itself, or the CPU case of its `goldenOf`. */
export function goldenSource(goldenCase: GoldenCase, cases: readonly GoldenCase[]): GoldenCase {
  if (goldenCase.goldenOf === undefined) return goldenCase;
  const source = cases.find((c) => c.name === goldenCase.goldenOf);
  if (source === undefined) throw new Error(`golden case '${goldenCase.name}': goldenOf names '${goldenCase.goldenOf}', which is not among the cases`);
  return source;
}

function parseClassLabels(input: unknown, at: string, batch: number): number[] {
  const ok = Array.isArray(input) && input.length > 0 && input.every((v) => Number.isSafeInteger(v) && (v as number) >= 0);
  if (!ok || ((input as number[]).length !== 1 && (input as number[]).length !== batch)) {
    throw new ConfigError(at, input, `a list of class indices ≥ 0: one for every image, or ${batch} (one per image)`);
  }
  return input as number[];
}

/** snake_case scheduler_config.json keys, validated now by the schedule package's own parser. */
function parseOverrides(input: unknown, at: string): Readonly<Record<string, unknown>> {
  if (input === undefined) return {};
  const raw = readObject(input, at, undefined);
  if ('timestep_spacing' in raw) throw new ConfigError(`${at}.timestep_spacing`, raw['timestep_spacing'], "nothing here: set the case's timestepSpacing");
  try {
    parseSchedulerConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`${at}.${error.key}`, error.value, error.allowed, { cause: error });
  }
  return raw;
}

function parseProvenance(input: unknown, at: string): GoldenProvenance {
  const raw = readObject(input, at, GOLDEN_KEYS);
  for (const key of ['modelSha256', 'floatSha256'] as const) {
    if (typeof raw[key] !== 'string' || !SHA256.test(raw[key])) throw new ConfigError(`${at}.${key}`, raw[key], '64 lower-case hex digits');
  }
  const revision = raw['modelRevision'];
  if (revision !== undefined && (typeof revision !== 'string' || !/^[0-9a-f]{40}$/.test(revision))) {
    throw new ConfigError(`${at}.modelRevision`, revision, 'a 40-hex-digit commit');
  }
  return {
    modelSha256: raw['modelSha256'] as string,
    ...(revision !== undefined ? { modelRevision: revision as string } : {}),
    onnxruntime: readString(raw['onnxruntime'], `${at}.onnxruntime`),
    cpu: readString(raw['cpu'], `${at}.cpu`),
    threads: readInteger(raw['threads'], `${at}.threads`, 1),
    floatSha256: raw['floatSha256'] as string,
  };
}

/** An object whose keys are all in `keys` (any keys when `keys` is undefined). */
function readObject(input: unknown, at: string, keys: readonly string[] | undefined): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ConfigError(at, input, 'a JSON object');
  if (keys !== undefined) {
    for (const key of Object.keys(input)) {
      if (!keys.includes(key)) throw new ConfigError(at === 'manifest' ? key : `${at}.${key}`, (input as Record<string, unknown>)[key], `no such key; known: ${keys.join(', ')}`);
    }
  }
  return input as Record<string, unknown>;
}

function readString(value: unknown, at: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(at, value, 'a non-empty string');
  return value;
}

function readNumber(value: unknown, at: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(at, value, `a finite number in [${min}, ${max === Infinity ? '∞)' : `${max}]`}`);
  }
  return value;
}

function readInteger(value: unknown, at: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new ConfigError(at, value, `an integer ≥ ${min}`);
  return value;
}
