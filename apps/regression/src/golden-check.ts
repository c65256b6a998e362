/**
 * One golden case's verdict: is there a golden, was it made by this model and this case (provenance),
 * and is each received image within the case's SSIM threshold and PSNR floor of it (similarity); where the
 * CPU, onnxruntime and threads are the golden's, nothing may drift, so the floats must be bit-identical too.
 * On a similarity failure it leaves golden · received · diff strips in the artifacts folder.
 * A case on another provider (webgpu) is checked against the golden of the CPU case its `goldenOf` names,
 * under its own thresholds, and never for bits: another provider is another set of float kernels.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePng, diffHeatmap, PNG_TEXT_KEYS, psnr, readRegularFile, sideBySide, ssim, writePng, type Rgba8Image } from '@denoise/image';
import { CASE_TEXT_KEYS, goldenPngText, goldenStrip, stripSize, stripTile } from './golden-image.js';
import type { GoldenCase, GoldenExecutionProvider } from './golden-manifest.js';
import type { GoldenRun } from './golden-run.js';
import { UPDATE_COMMAND } from './repo-paths.js';

export interface ImageComparison {
  readonly index: number;
  readonly ssim: number;
  readonly psnrDb: number;
  /** Largest |golden − received| over the image's 8-bit samples. */
  readonly maxAbsDiff: number;
}

export interface CaseComparison {
  readonly images: readonly ImageComparison[];
  readonly minSsim: number;
  readonly minPsnrDb: number;
  readonly maxAbsDiff: number;
  readonly ssimThreshold: number;
  readonly psnrFloorDb: number;
  /** The run's float bytes hash to the golden run's: bit-identical, not merely similar. */
  readonly bitIdentical: boolean;
  /** Same CPU fingerprint, onnxruntime and threads as the golden run: nothing may legitimately drift, so bit-identity is required. */
  readonly bitRequired: boolean;
  /** Where the run ran, when not on the CPU; bits are then neither expected nor required. */
  readonly executionProvider?: GoldenExecutionProvider;
  /** The CPU case whose golden this case was compared with, when it has none of its own. */
  readonly goldenOf?: string;
}

export interface FailureArtifacts {
  /** golden · received · diff heatmap, left to right. */
  readonly sideBySide: string;
  readonly received: string;
}

export type GoldenVerdict =
  | { readonly state: 'pass'; readonly caseName: string; readonly message: string; readonly comparison: CaseComparison }
  | {
      readonly state: 'fail';
      readonly caseName: string;
      readonly message: string;
      readonly comparison: CaseComparison;
      readonly artifacts: FailureArtifacts;
    }
  /** No golden yet: never created here, only by `--update`. */
  | { readonly state: 'missing'; readonly caseName: string; readonly message: string }
  /** The golden was made by another model or another version of the case: regenerate, do not compare. */
  | { readonly state: 'stale'; readonly caseName: string; readonly message: string }
  /**
   * Not run here: the case's provider (webgpu) is not usable, so it was skipped, or, where
   * DENOISE_EXPECT_WEBGPU=1 says it must be usable, it failed as unavailable. Never produced by checkGoldenCase.
   */
  | { readonly state: 'skipped'; readonly caseName: string; readonly message: string }
  | { readonly state: 'unavailable'; readonly caseName: string; readonly message: string };

export interface CheckGoldenOptions {
  readonly goldenDir: string;
  readonly artifactsDir: string;
  /** For a case with `goldenOf`: the CPU case it names (see goldenSource); its PNG and provenance are the golden. */
  readonly goldenOf?: GoldenCase;
  /** How a missing or stale golden is remade, as the messages tell it; the repository's by default. */
  readonly regenerate?: RegenerateHint;
}

/** What the messages tell a user to run and commit to remake the goldens. */
export interface RegenerateHint {
  /** The command, e.g. `denoise golden --manifest goldens/manifest.json --update`. */
  readonly command: string;
  /** The folder to commit afterwards, e.g. `goldens/`. */
  readonly folder: string;
}

/** The repository's own: `pnpm test:golden --update`, fixtures/golden/. */
export const REPOSITORY_REGENERATE: RegenerateHint = Object.freeze({ command: UPDATE_COMMAND, folder: 'fixtures/golden/' });

export async function checkGoldenCase(goldenCase: GoldenCase, run: GoldenRun, options: CheckGoldenOptions): Promise<GoldenVerdict> {
  const caseName = goldenCase.name;
  const { command, folder } = options.regenerate ?? REPOSITORY_REGENERATE;
  const regenerateHint = `If the change is intended, regenerate the goldens with \`${command}\`, look at the PNGs and commit ${folder}`;
  const source = goldenCase.goldenOf === undefined ? goldenCase : options.goldenOf;
  if (source === undefined || (source !== goldenCase && source.name !== goldenCase.goldenOf)) {
    throw new Error(`golden case '${caseName}' is compared with the golden of '${String(goldenCase.goldenOf)}': pass that case as options.goldenOf`);
  }
  const provider = run.executionProvider ?? 'cpu';
  // How the case names itself in messages: a borrowed golden says whose it is.
  const borrowed = source === goldenCase ? '' : ` (${provider}, compared with the golden of '${source.name}')`;
  const goldenPath = join(options.goldenDir, `${source.name}.png`);
  const [batch, , height, width] = run.shape;
  if (batch !== goldenCase.batch) throw new RangeError(`golden case '${caseName}': the run has ${batch} images, the case ${goldenCase.batch}`);

  let bytes: Buffer | undefined;
  try {
    bytes = await readRegularFile(goldenPath); // a link to /dev/zero is refused, not read until memory runs out
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (bytes === undefined || source.golden === undefined) {
    const what = bytes === undefined ? `there is no golden ${goldenPath}` : `the manifest records no provenance for ${goldenPath}`;
    return { state: 'missing', caseName, message: `golden case '${caseName}'${borrowed}: ${what}. Make it with \`${command}\`, look at the PNG and commit ${folder} (a golden is never created by a check run).` };
  }
  const golden = source.golden;
  if (golden.modelSha256 !== run.modelSha256) {
    return {
      state: 'stale',
      caseName,
      message:
        `golden case '${caseName}'${borrowed} was made with model sha256 ${golden.modelSha256.slice(0, 12)}… (onnxruntime ${golden.onnxruntime}), ` +
        `but ${run.modelPath} is now ${run.modelSha256.slice(0, 12)}…: the model changed, so the goldens are stale. ` +
        `Regenerate them with \`${command}\`, look at the PNGs and commit ${folder}.`,
    };
  }
  const decoded = decodePng(bytes, goldenPath);
  const stale = staleness(source, run, decoded.text, decoded.image, { width, height });
  if (stale !== undefined) {
    return { state: 'stale', caseName, message: `golden case '${caseName}'${borrowed}: ${stale}. Regenerate with \`${command}\` and commit ${folder}.` };
  }

  const received = goldenStrip(run);
  const images = Array.from({ length: batch }, (_, index) => {
    const want = stripTile(decoded.image, batch, { width, height }, index);
    const got = stripTile(received, batch, { width, height }, index);
    return { index, ssim: ssim(want, got), psnrDb: psnr(want, got), maxAbsDiff: maxAbsDiff(want, got) };
  });
  const comparison: CaseComparison = {
    images,
    minSsim: Math.min(...images.map((i) => i.ssim)),
    minPsnrDb: Math.min(...images.map((i) => i.psnrDb)),
    maxAbsDiff: Math.max(...images.map((i) => i.maxAbsDiff)),
    ssimThreshold: goldenCase.ssimThreshold,
    psnrFloorDb: goldenCase.psnrFloorDb,
    bitIdentical: run.floatSha256 === golden.floatSha256,
    // Goldens are CPU runs: only a CPU run in the golden's environment must reproduce its bits.
    bitRequired: provider === 'cpu' && run.cpu === golden.cpu && run.onnxruntime === golden.onnxruntime && run.threads === golden.threads,
    ...(provider !== 'cpu' ? { executionProvider: provider } : {}),
    ...(source !== goldenCase ? { goldenOf: source.name } : {}),
  };
  const failing = images.filter((i) => i.ssim < goldenCase.ssimThreshold || i.psnrDb < goldenCase.psnrFloorDb);
  if (failing.length === 0 && comparison.bitRequired && !comparison.bitIdentical) {
    const artifacts = await writeFailureArtifacts(options.artifactsDir, caseName, decoded.image, received);
    return {
      state: 'fail',
      caseName,
      comparison,
      artifacts,
      message:
        `golden case '${caseName}': the float output differs from the golden run's (sha256 ${run.floatSha256.slice(0, 12)}…, golden ${golden.floatSha256.slice(0, 12)}…) ` +
        `on the same CPU, onnxruntime ${run.onnxruntime} and ${run.threads} thread(s), where it must be bit-identical; ` +
        `the images still pass (min SSIM ${comparison.minSsim.toFixed(6)}, max abs diff ${comparison.maxAbsDiff}), so the change is small but real. ` +
        `golden · received · diff: ${artifacts.sideBySide}. ${regenerateHint}.`,
    };
  }
  if (failing.length === 0) {
    return {
      state: 'pass',
      caseName,
      message: `golden case '${caseName}'${borrowed}: min SSIM ${comparison.minSsim.toFixed(6)} ≥ ${goldenCase.ssimThreshold}, min PSNR ${comparison.minPsnrDb.toFixed(2)} dB ≥ ${goldenCase.psnrFloorDb}`,
      comparison,
    };
  }
  const artifacts = await writeFailureArtifacts(options.artifactsDir, caseName, decoded.image, received);
  const detail = failing.map((i) => `image ${i.index}: SSIM ${i.ssim.toFixed(4)}, PSNR ${i.psnrDb.toFixed(1)} dB`).join('; ');
  const runtime = golden.onnxruntime === run.onnxruntime ? '' : ` The golden was made with onnxruntime ${golden.onnxruntime}, this run used ${run.onnxruntime}.`;
  // A provider that strays from the CPU golden is not fixed by regenerating it (that would only remake the CPU image).
  const next =
    source === goldenCase
      ? ` ${regenerateHint}.`
      : ` The ${provider} provider${run.adapter ? ` (${run.adapter.vendor} ${run.adapter.device})` : ''} strays from the CPU golden beyond the case's thresholds; ` +
        `if '${source.name}' itself passes, look at the provider, not the golden.`;
  return {
    state: 'fail',
    caseName,
    comparison,
    artifacts,
    message:
      `golden case '${caseName}'${borrowed}: ${failing.length} of ${batch} images below SSIM ${goldenCase.ssimThreshold} / PSNR ${goldenCase.psnrFloorDb} dB ` +
      `(${detail}). golden · received · diff: ${artifacts.sideBySide}.${runtime}${next}`,
  };
}

/** Why the golden PNG does not belong to this case any more, or undefined if it does. */
function staleness(goldenCase: GoldenCase, run: GoldenRun, text: Record<string, string>, image: Rgba8Image, tile: { width: number; height: number }): string | undefined {
  const pngSha = text[PNG_TEXT_KEYS.modelSha256];
  if (pngSha === undefined) {
    return 'the golden PNG carries no provenance (no denoise:model-sha256 text chunk): it was not written by `pnpm test:golden --update`';
  }
  if (pngSha !== goldenCase.golden?.modelSha256) {
    return `the PNG says model sha256 ${pngSha.slice(0, 12)}…, the manifest ${goldenCase.golden?.modelSha256.slice(0, 12) ?? '(no golden block)'}… (an interrupted update or a hand edit)`;
  }
  const want = goldenPngText(goldenCase, run);
  const edited = CASE_TEXT_KEYS.filter((key) => text[key] !== want[key]).map((key) => `${key.replace('denoise:', '')} ${text[key] ?? '(none)'} → ${want[key] ?? '(none)'}`);
  if (edited.length > 0) return `the manifest entry changed since its golden was made (${edited.join(', ')})`;
  const size = stripSize(goldenCase.batch, tile);
  if (image.width !== size.width || image.height !== size.height) {
    return `the golden is ${image.width}×${image.height}, but ${goldenCase.batch} images of ${tile.width}×${tile.height} make ${size.width}×${size.height}`;
  }
  return undefined;
}

async function writeFailureArtifacts(dir: string, caseName: string, golden: Rgba8Image, received: Rgba8Image): Promise<FailureArtifacts> {
  await mkdir(dir, { recursive: true });
  const artifacts = { sideBySide: join(dir, `${caseName}.png`), received: join(dir, `${caseName}.received.png`) };
  await writePng(artifacts.sideBySide, sideBySide([golden, received, diffHeatmap(golden, received)], 4));
  await writePng(artifacts.received, received);
  return artifacts;
}

function maxAbsDiff(a: Rgba8Image, b: Rgba8Image): number {
  let max = 0;
  for (let i = 0; i < a.pixels.length; i++) max = Math.max(max, Math.abs((a.pixels[i] as number) - (b.pixels[i] as number)));
  return max;
}
