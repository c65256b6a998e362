#!/usr/bin/env node
/**
 * `denoise golden [--manifest FILE] [--update] [--artifacts DIR]`: the golden check for any model's manifest,
 * in a model maintainer's CI, without vitest.
 * - without --update: every case checked (checkGoldens: golden match, in-process and fresh-process determinism),
 *   one line per case, then the summary table; exit 0 when no case fails, 1 when any does.
 * - with --update: runs every case and rewrites the goldens beside the manifest, printing what changed.
 * Exit 2 for bad usage: an unknown option, a missing or invalid manifest.
 * Importing this module runs nothing: goldenMain runs only when node was started on this file.
 */
import { realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldens, type GoldenCaseResult } from './check-goldens.js';
import { REPOSITORY_REGENERATE, type RegenerateHint } from './golden-check.js';
import { readGoldenManifest } from './golden-manifest.js';
import { manifestDir } from './golden-run.js';
import { formatGoldenUpdate, updateGoldens } from './golden-update.js';
import { defaultArtifactsDir, defaultManifestPath, repoRoot } from './repo-paths.js';

const USAGE = `usage: denoise golden [--manifest FILE] [--update] [--artifacts DIR]

Checks every case of a golden manifest: the images against the golden PNGs beside the manifest (provenance,
SSIM and PSNR per image, bits where the environment is the golden's), two runs in this process byte-identical,
and a run in a fresh Node.js process byte-identical.

  --manifest FILE   the manifest (default: this repository's fixtures/golden/manifest.json). Model and noise
                    paths in it are relative to its folder; the golden PNGs lie beside it.
  --update          run every case and (re)write the golden PNGs and the manifest's golden blocks; a check
                    never creates a golden.
  --artifacts DIR   where failure strips (golden · received · diff) and summary.md go
                    (default: <manifest folder>/artifacts with --manifest, else artifacts/golden/).
  --help            this text.

Exit status: 0 every case passed (or was skipped), 1 a case failed, 2 bad usage (unknown option, missing or invalid manifest).
`;

interface GoldenArgs {
  readonly manifestPath: string;
  readonly artifactsDir: string;
  readonly update: boolean;
  /** --manifest was given: the user's goldens, not the repository's. */
  readonly custom: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `denoise golden …`: returns the exit status (0 pass, 1 a case failed, 2 bad usage); writes to stdout and stderr. */
export async function goldenMain(argv: readonly string[]): Promise<number> {
  let args: GoldenArgs | 'help';
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    await checkManifest(args.manifestPath);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`denoise golden: ${error.message}\n`);
    return 2;
  }
  return args.update ? update(args) : check(args);
}

function parseArgs(argv: readonly string[]): GoldenArgs | 'help' {
  let manifest: string | undefined;
  let artifacts: string | undefined;
  let update = false;
  // `pnpm test:golden -- --update` passes the `--` through.
  const args = argv.filter((arg) => arg !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined || next === '') throw new UsageError(`${name} needs a value\n${USAGE}`);
      return next;
    };
    if (name === '--help' || name === '-h') return 'help';
    else if (name === '--update' || name === '-u') update = true;
    else if (name === '--manifest') manifest = value();
    else if (name === '--artifacts') artifacts = value();
    else throw new UsageError(`unknown option ${arg}\n${USAGE}`);
  }
  if (manifest === undefined && !inCheckout()) throw new UsageError(`--manifest FILE is needed: the default is denoise's own manifest, which only its repository has\n${USAGE}`);
  const manifestPath = manifest === undefined ? defaultManifestPath() : resolve(manifest);
  const artifactsDir = artifacts !== undefined ? resolve(artifacts) : manifest === undefined ? defaultArtifactsDir() : resolve(manifestDir(manifestPath), 'artifacts');
  return { manifestPath, artifactsDir, update, custom: manifest !== undefined };
}

/** A missing, unreadable or invalid manifest is bad usage (exit 2), found before any case runs. */
async function checkManifest(manifestPath: string): Promise<void> {
  let isFile = false;
  try {
    isFile = statSync(manifestPath).isFile();
  } catch {
    throw new UsageError(`no golden manifest at ${manifestPath}`);
  }
  if (!isFile) throw new UsageError(`${manifestPath} is not a file (--manifest names the manifest JSON file)`);
  try {
    await readGoldenManifest(manifestPath);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** What a missing or stale golden's message tells the user to run: the command they ran, with --update. */
function regenerateHint(args: GoldenArgs): RegenerateHint {
  if (!args.custom) return REPOSITORY_REGENERATE;
  const shown = relative(process.cwd(), args.manifestPath) || args.manifestPath;
  const folder = relative(process.cwd(), manifestDir(args.manifestPath)) || '.';
  return { command: `denoise golden --manifest ${shown} --update`, folder: `${folder}/` };
}

async function update(args: GoldenArgs): Promise<number> {
  process.stderr.write(`updating the goldens of ${args.manifestPath}\n`);
  const result = await updateGoldens({
    manifestPath: args.manifestPath,
    onCase: (run, index, total) =>
      process.stderr.write(`  [${index + 1}/${total}] ${run.caseName} ${(run.wallMs / 1000).toFixed(1)} s, model ${run.modelSha256.slice(0, 12)}…, onnxruntime ${run.onnxruntime}\n`),
  });
  process.stdout.write(`${formatGoldenUpdate(result, args.custom ? process.cwd() : repoRoot())}\n`);
  return 0;
}

async function check(args: GoldenArgs): Promise<number> {
  process.stderr.write(`checking the goldens of ${args.manifestPath}\n`);
  const report = await checkGoldens({
    manifestPath: args.manifestPath,
    artifactsDir: args.artifactsDir,
    regenerate: regenerateHint(args),
    log: (_level, line) => process.stderr.write(`${line}\n`),
    onCase: (result, index, total) => process.stdout.write(`${formatCaseLine(result, index, total)}\n`),
  });
  if (report.table !== '') process.stdout.write(`\ngolden summary (threads ${report.threads}, also in ${report.summaryPath}):\n${report.table}\n`);
  const count = (state: GoldenCaseResult['state']) => report.results.filter((r) => r.state === state).length;
  const total = report.results.length;
  process.stdout.write(`\n${total} case${total === 1 ? '' : 's'}: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped.\n`);
  if (report.passed) return 0;
  process.stdout.write(`Failure strips (golden · received · diff) and summary.md: ${report.artifactsDir}\n`);
  return 1;
}

/** `[1/2] pass  ddim-10-seed0  <golden message>`, and the failed checks' messages below a failure. */
function formatCaseLine(result: GoldenCaseResult, index: number, total: number): string {
  const head = `[${index + 1}/${total}] ${result.state.padEnd(7)} ${result.caseName}`;
  if (result.state === 'pass') {
    const figures = result.verdict?.state === 'pass' ? result.verdict.message.replace(`golden case '${result.caseName}': `, '') : '';
    return `${head}  ${figures}`.trimEnd();
  }
  return [head, ...result.failures.map((failure) => `    ${failure}`)].join('\n');
}

/** Whether node was started on this file (not imported by another module, such as a `denoise` dispatcher). */
function isEntryPoint(): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  try {
    return fileURLToPath(import.meta.url) === realpathSync(started);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  goldenMain(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`denoise golden: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Whether this runs from denoise's repository checkout, where the default manifest is. */
function inCheckout(): boolean {
  try {
    repoRoot();
    return true;
  } catch {
    return false;
  }
}
