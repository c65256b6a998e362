/**
 * The golden check, without vitest: every case of a manifest checked three ways — provenance + similarity
 * against its golden PNG (checkGoldenCase), two runs in this process byte-identical, and a run in a fresh
 * Node.js process byte-identical (CPU cases; the fresh process runs them all at once, beside this one).
 * A webgpu case is compared with the golden of the CPU case its goldenOf names (SSIM/PSNR only) and must be
 * byte-identical across two runs in this process; it is skipped where webgpu is not usable, or fails there
 * when DENOISE_EXPECT_WEBGPU=1. The vitest suite (golden/golden-suite.test.ts) and `denoise golden` both run it.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@denoise/image';
import { checkGoldenCase, type GoldenVerdict, type RegenerateHint } from './golden-check.js';
import { goldenSource, readGoldenManifest, type GoldenExecutionProvider, type GoldenManifest } from './golden-manifest.js';
import { decideProviders, type ProviderDecision } from './golden-providers.js';
import { GoldenRunner, manifestDir, type GoldenRun } from './golden-run.js';
import { runInFreshProcess, type FreshProcessRun } from './fresh-process.js';
import { formatSummaryTable } from './summary-table.js';

export interface CheckGoldensOptions {
  /** The manifest; its cases' model and noise paths are relative to its folder, where the golden PNGs lie too. */
  readonly manifestPath: string;
  /** Where failure strips (`<case>.png`, `<case>.received.png`) and summary.md are written. */
  readonly artifactsDir: string;
  /** How the messages of a missing or stale golden tell the user to remake it; the repository's by default. */
  readonly regenerate?: RegenerateHint;
  /** Read for DENOISE_EXPECT_WEBGPU; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Notes as the check goes: a provider skipped or unavailable ('warn'), where a webgpu case ran ('info'). console by default. */
  readonly log?: (level: 'info' | 'warn', line: string) => void;
}

/** One of a case's checks. */
export interface GoldenCheckOutcome {
  readonly check: 'golden' | 'in-process' | 'fresh-process' | 'run';
  readonly ok: boolean;
  readonly message: string;
}

/** A case's result: every check it took, and its golden verdict (what the summary table shows). */
export interface GoldenCaseResult {
  readonly caseName: string;
  readonly executionProvider: GoldenExecutionProvider;
  /** pass: every check passed; fail: at least one failed (or the case could not run); skipped: its provider is not usable here. */
  readonly state: 'pass' | 'fail' | 'skipped';
  /** The golden check's verdict (also skipped / unavailable); absent when the case could not run. */
  readonly verdict?: GoldenVerdict;
  readonly checks: readonly GoldenCheckOutcome[];
  /** The messages of the failed checks (of the skip, for a skipped case). */
  readonly failures: readonly string[];
}

/** What closing a check leaves: the summary table of the golden verdicts, also written to summaryPath. */
export interface GoldenCheckSummary {
  readonly verdicts: readonly GoldenVerdict[];
  /** The Markdown table; empty when no case was checked (nothing is written then). */
  readonly table: string;
  readonly summaryPath: string;
  readonly threads: number;
}

/** checkGoldens' answer: every case's result, in manifest order, and the summary. */
export interface GoldenCheckReport extends GoldenCheckSummary {
  readonly manifestPath: string;
  readonly artifactsDir: string;
  readonly results: readonly GoldenCaseResult[];
  /** No case failed (skipped cases do not fail). */
  readonly passed: boolean;
}

/**
 * A check in progress: checkCase runs one case's checks (in any order, any subset: vitest's `-t` asks for
 * some); close() stops the fresh process, releases the models and writes the summary.
 */
export class GoldenCheck {
  readonly manifest: GoldenManifest;
  readonly #options: CheckGoldensOptions;
  readonly #runner: GoldenRunner;
  readonly #decisions: ReadonlyMap<GoldenExecutionProvider, ProviderDecision>;
  readonly #fresh: FreshProcessRun;
  readonly #verdicts: GoldenVerdict[] = [];
  /** First runs by case name: a webgpu case reports its float difference from its CPU case's run. */
  readonly #firstRuns = new Map<string, GoldenRun>();

  private constructor(options: CheckGoldensOptions, manifest: GoldenManifest, decisions: ReadonlyMap<GoldenExecutionProvider, ProviderDecision>) {
    this.#options = options;
    this.manifest = manifest;
    this.#decisions = decisions;
    this.#runner = new GoldenRunner(manifest.runtime, { manifestPath: options.manifestPath });
    this.#fresh = runInFreshProcess(options.manifestPath);
  }

  /** Reads the manifest, decides the providers, starts the fresh process and clears the artifacts of an earlier check. */
  static async open(options: CheckGoldensOptions): Promise<GoldenCheck> {
    const manifest = await readGoldenManifest(options.manifestPath);
    const decisions = await decideProviders(manifest.cases, options.env);
    // Failure strips of an earlier run would pass for this run's. Only the files this check writes are removed:
    // the artifacts folder is the user's to name, and may hold other things.
    const own = manifest.cases.flatMap((c) => [`${c.name}.png`, `${c.name}.received.png`]);
    await Promise.all([...own, 'summary.md'].map((file) => rm(join(options.artifactsDir, file), { force: true })));
    return new GoldenCheck(options, manifest, decisions);
  }

  /** Runs the checks of the case named `caseName`; a case that cannot run is a failure, not an exception. */
  async checkCase(caseName: string): Promise<GoldenCaseResult> {
    const goldenCase = this.manifest.cases.find((c) => c.name === caseName);
    if (goldenCase === undefined) throw new Error(`no golden case '${caseName}' in ${this.#options.manifestPath}`);
    const provider = goldenCase.executionProvider;
    const base = { caseName, executionProvider: provider };
    const decision = this.#decisions.get(provider);
    if (decision?.action === 'skip' || decision?.action === 'fail') {
      this.#log('warn', `golden case '${caseName}' (${provider}): ${decision.message}`);
      const verdict: GoldenVerdict = { state: decision.action === 'skip' ? 'skipped' : 'unavailable', caseName, message: decision.message };
      this.#verdicts.push(verdict);
      if (decision.action === 'skip') return { ...base, state: 'skipped', verdict, checks: [], failures: [decision.message] };
      const message = `golden case '${caseName}': ${decision.message}`;
      return { ...base, state: 'fail', verdict, checks: [{ check: 'run', ok: false, message }], failures: [message] };
    }

    const checks: GoldenCheckOutcome[] = [];
    const failed = (check: GoldenCheckOutcome['check'], error: unknown) => checks.push({ check, ok: false, message: error instanceof Error ? error.message : String(error) });
    let first: GoldenRun;
    try {
      first = await this.#runner.run(goldenCase);
    } catch (error) {
      failed('run', error);
      return this.#result(base, checks);
    }
    this.#firstRuns.set(caseName, first);
    if (provider !== 'cpu') {
      this.#log('info', describeProviderRun(first, goldenCase.goldenOf === undefined ? undefined : this.#firstRuns.get(goldenCase.goldenOf)));
    }

    let verdict: GoldenVerdict | undefined;
    try {
      const source = goldenSource(goldenCase, this.manifest.cases);
      verdict = await checkGoldenCase(goldenCase, first, {
        goldenDir: manifestDir(this.#options.manifestPath),
        artifactsDir: this.#options.artifactsDir,
        ...(source !== goldenCase ? { goldenOf: source } : {}),
        ...(this.#options.regenerate ? { regenerate: this.#options.regenerate } : {}),
      });
      this.#verdicts.push(verdict);
      checks.push({ check: 'golden', ok: verdict.state === 'pass', message: verdict.message });
    } catch (error) {
      failed('golden', error);
    }

    try {
      const second = await this.#runner.run(goldenCase);
      checks.push(sameHash('in-process', `sha256 of x_0 float32 bytes, run 2 vs run 1 (${provider})`, second.floatSha256, first.floatSha256));
    } catch (error) {
      failed('in-process', error);
    }

    // The cross-process float-hash check is the CPU's: fresh-run-main runs only CPU cases.
    if (provider === 'cpu') {
      try {
        const hash = await this.#fresh.floatSha256(caseName);
        checks.push(sameHash('fresh-process', 'sha256 of x_0 float32 bytes, fresh process vs this one', hash, first.floatSha256));
      } catch (error) {
        failed('fresh-process', error);
      }
    }
    return this.#result(base, checks, verdict);
  }

  /** Stops the fresh process, releases the models, and writes summary.md when any case was checked. */
  async close(): Promise<GoldenCheckSummary> {
    this.#fresh.stop();
    await this.#runner.dispose();
    const summaryPath = join(this.#options.artifactsDir, 'summary.md');
    const verdicts = [...this.#verdicts];
    const table = verdicts.length === 0 ? '' : formatSummaryTable(verdicts);
    if (table !== '') {
      await mkdir(this.#options.artifactsDir, { recursive: true });
      await writeFileAtomic(summaryPath, `${table}\n`);
    }
    return { verdicts, table, summaryPath, threads: this.manifest.runtime.threads };
  }

  #result(base: { caseName: string; executionProvider: GoldenExecutionProvider }, checks: readonly GoldenCheckOutcome[], verdict?: GoldenVerdict): GoldenCaseResult {
    const failures = checks.filter((c) => !c.ok).map((c) => c.message);
    return { ...base, state: failures.length === 0 ? 'pass' : 'fail', ...(verdict ? { verdict } : {}), checks, failures };
  }

  #log(level: 'info' | 'warn', line: string): void {
    if (this.#options.log) this.#options.log(level, line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  }
}

/** Every case of the manifest, in order; `onCase` hears each result as it comes. */
export async function checkGoldens(
  options: CheckGoldensOptions & { readonly onCase?: (result: GoldenCaseResult, index: number, total: number) => void },
): Promise<GoldenCheckReport> {
  const check = await GoldenCheck.open(options);
  const results: GoldenCaseResult[] = [];
  let summary: GoldenCheckSummary;
  try {
    for (const [index, goldenCase] of check.manifest.cases.entries()) {
      const result = await check.checkCase(goldenCase.name);
      results.push(result);
      options.onCase?.(result, index, check.manifest.cases.length);
    }
  } finally {
    summary = await check.close();
  }
  return { ...summary, manifestPath: options.manifestPath, artifactsDir: options.artifactsDir, results, passed: results.every((r) => r.state !== 'fail') };
}

function sameHash(check: 'in-process' | 'fresh-process', what: string, received: string, expected: string): GoldenCheckOutcome {
  return received === expected
    ? { check, ok: true, message: `${what}: identical (${expected.slice(0, 12)}…)` }
    : { check, ok: false, message: `${what}: ${received} ≠ ${expected} (the floats are not byte-identical)` };
}

/** One line for a run off the CPU: where it ran, how long, and how far its floats are from its CPU case's run. */
function describeProviderRun(run: GoldenRun, cpuRun: GoldenRun | undefined): string {
  const adapter = run.adapter ? ` on ${run.adapter.vendor} ${run.adapter.device}${run.adapter.software ? ' (software)' : ''}` : '';
  let versus = '';
  if (cpuRun !== undefined && cpuRun.samples.length === run.samples.length) {
    let max = 0;
    for (let i = 0; i < run.samples.length; i++) max = Math.max(max, Math.abs((run.samples[i] as number) - (cpuRun.samples[i] as number)));
    versus = `; max |x_0 − cpu x_0| ${max.toExponential(2)} (vs ${cpuRun.caseName})`;
  }
  return `golden case '${run.caseName}': ${run.executionProvider}${adapter}, sampling ${(run.wallMs / 1000).toFixed(1)} s${versus}`;
}
