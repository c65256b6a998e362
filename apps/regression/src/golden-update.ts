/**
 * `pnpm test:golden --update`: runs every case, then writes the golden PNGs and the manifest. Nothing is
 * written until every case has run, each file is replaced atomically, and the manifest goes last, so a
 * failed update leaves the old goldens and an interrupted one is caught by the check (the PNG's model
 * sha256 then disagrees with the manifest's).
 * A case on another provider (webgpu, with `goldenOf`) makes no golden: it is neither run nor written, and
 * is compared by the check with the CPU golden it names; one without `goldenOf` is refused.
 */
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { decodePng, encodePng, PNG_TEXT_KEYS, replacedByRename, ssim, writeFileAtomic } from '@denoise/image';
import { ConfigError } from '@denoise/schedule';
import { goldenPngText, goldenStrip, stripSize, stripTile } from './golden-image.js';
import { readGoldenManifest, serializeGoldenManifest, type GoldenCase, type GoldenProvenance } from './golden-manifest.js';
import { GoldenRunner, type GoldenRun } from './golden-run.js';

export type GoldenChange =
  | { readonly state: 'new'; readonly caseName: string }
  /** `minSsimVsOld` is undefined when the old golden has another size (the batch changed). */
  | { readonly state: 'changed'; readonly caseName: string; readonly minSsimVsOld: number | undefined; readonly why: string }
  | { readonly state: 'unchanged'; readonly caseName: string }
  /** A case on another provider: no golden of its own; it is checked against the golden of `goldenOf`. */
  | { readonly state: 'skipped'; readonly caseName: string; readonly executionProvider: string; readonly goldenOf: string };

export interface GoldenUpdate {
  readonly changes: readonly GoldenChange[];
  /** PNGs in the golden folder that no case names (left in place; delete them if they are not needed). */
  readonly orphans: readonly string[];
  readonly manifestPath: string;
}

export interface UpdateGoldensOptions {
  /** Model and noise paths in the manifest are relative to its folder, where the golden PNGs are written too. */
  readonly manifestPath: string;
  /** Called after each case has run, e.g. to show progress. */
  readonly onCase?: (run: GoldenRun, index: number, total: number) => void;
}

export async function updateGoldens(options: UpdateGoldensOptions): Promise<GoldenUpdate> {
  const { manifestPath } = options;
  const goldenDir = dirname(manifestPath);
  const manifest = await readGoldenManifest(manifestPath);
  await checkGoldenOutputs(manifestPath, manifest.cases.filter((c) => c.executionProvider === 'cpu').map((c) => join(goldenDir, `${c.name}.png`)));
  const runner = new GoldenRunner(manifest.runtime, { manifestPath });
  const pending: { path: string; bytes: Buffer }[] = [];
  const changes: GoldenChange[] = [];
  const cases: GoldenCase[] = [];
  try {
    for (const [index, goldenCase] of manifest.cases.entries()) {
      if (goldenCase.executionProvider !== 'cpu') {
        // The parser already refuses this; a golden from another provider must never be written by mistake.
        if (goldenCase.goldenOf === undefined) {
          throw new ConfigError(`cases[${index}].goldenOf`, undefined, `the name of a cpu case: goldens are CPU images, and '${goldenCase.name}' runs on ${goldenCase.executionProvider}`);
        }
        changes.push({ state: 'skipped', caseName: goldenCase.name, executionProvider: goldenCase.executionProvider, goldenOf: goldenCase.goldenOf });
        cases.push(goldenCase);
        continue;
      }
      const run = await runner.run(goldenCase);
      options.onCase?.(run, index, manifest.cases.length);
      const golden: GoldenProvenance = {
        modelSha256: run.modelSha256,
        ...(run.modelRevision ? { modelRevision: run.modelRevision } : {}),
        onnxruntime: run.onnxruntime,
        cpu: run.cpu,
        threads: run.threads,
        floatSha256: run.floatSha256,
      };
      const path = join(goldenDir, `${goldenCase.name}.png`);
      const old = await readIfExists(path);
      const bytes = encodePng(goldenStrip(run), goldenPngText(goldenCase, run));
      const change = describeChange(goldenCase, golden, run, bytes, old, sameButModelPath(goldenCase, run, old));
      changes.push(change);
      if (change.state !== 'unchanged') pending.push({ path, bytes });
      cases.push({ ...goldenCase, golden });
    }
  } finally {
    await runner.dispose();
  }
  for (const { path, bytes } of pending) await writeFileAtomic(path, bytes);
  const manifestText = serializeGoldenManifest({ ...manifest, cases });
  if ((await readFile(manifestPath, 'utf8')) !== manifestText) await writeFileAtomic(manifestPath, manifestText);
  const names = new Set(manifest.cases.map((c) => `${c.name}.png`));
  const orphans = (await readdir(goldenDir)).filter((file) => file.endsWith('.png') && !names.has(file)).sort();
  return { changes, orphans, manifestPath };
}

/** What `--update` prints: one line per case, then a count and what to do next; the golden folder is named relative to `displayDir`. */
export function formatGoldenUpdate(update: GoldenUpdate, displayDir: string): string {
  const lines = update.changes.map((change) => {
    const head = `  ${change.state.padEnd(9)}  ${change.caseName}`;
    if (change.state === 'skipped') return `${head}  ${change.executionProvider}: no golden of its own; checked against ${change.goldenOf}'s`;
    if (change.state !== 'changed') return head;
    const similarity = change.minSsimVsOld === undefined ? 'not comparable with the old golden' : `min SSIM vs old ${change.minSsimVsOld.toFixed(6)}`;
    return `${head}  ${similarity}; ${change.why}`;
  });
  const count = (state: GoldenChange['state']) => update.changes.filter((c) => c.state === state).length;
  const skipped = count('skipped') > 0 ? `, ${count('skipped')} skipped (no golden of their own)` : '';
  lines.push(`${update.changes.length} case${update.changes.length === 1 ? '' : 's'}: ${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged${skipped}.`);
  for (const orphan of update.orphans) lines.push(`orphan: ${orphan} belongs to no case in the manifest; delete it if it is not needed.`);
  if (count('new') + count('changed') > 0) {
    const dir = relative(displayDir, dirname(update.manifestPath)) || '.';
    lines.push(`Look at the PNGs (git diff --stat ${dir}) and commit ${dir}/.`);
  }
  return lines.join('\n');
}

function describeChange(
  goldenCase: GoldenCase,
  golden: GoldenProvenance,
  run: GoldenRun,
  bytes: Buffer,
  old: Buffer | undefined,
  oldMatches: boolean,
): GoldenChange {
  const caseName = goldenCase.name;
  const before = goldenCase.golden;
  if (old === undefined || before === undefined) return { state: 'new', caseName };
  const keys = ['modelSha256', 'onnxruntime', 'cpu', 'threads', 'floatSha256'] as const;
  if (keys.every((key) => before[key] === golden[key]) && (old.equals(bytes) || oldMatches)) return { state: 'unchanged', caseName };
  const why: string[] = [];
  if (before.modelSha256 !== golden.modelSha256) why.push(`model sha256 ${before.modelSha256.slice(0, 12)}… → ${golden.modelSha256.slice(0, 12)}…`);
  if (before.onnxruntime !== golden.onnxruntime) why.push(`onnxruntime ${before.onnxruntime} → ${golden.onnxruntime}`);
  if (before.cpu !== golden.cpu) why.push(`cpu ${before.cpu} → ${golden.cpu}`);
  if (before.threads !== golden.threads) why.push(`threads ${before.threads} → ${golden.threads}`);
  if (why.length === 0) why.push(before.floatSha256 === golden.floatSha256 ? 'PNG metadata' : 'float output');
  return { state: 'changed', caseName, minSsimVsOld: minSsimVsOld(old, bytes, run), why: why.join(', ') };
}

/**
 * Whether the old golden is this run's PNG but for the model path in its text (denoise:model): the path a
 * manifest names its model by is not provenance (the model's sha256 is), so moving the manifest or rewriting
 * its paths leaves the golden unchanged and unwritten.
 */
function sameButModelPath(goldenCase: GoldenCase, run: GoldenRun, old: Buffer | undefined): boolean {
  if (old === undefined) return false;
  let oldModel: string | undefined;
  try {
    oldModel = decodePng(old).text[PNG_TEXT_KEYS.model];
  } catch {
    return false; // not a PNG: changed
  }
  if (oldModel === undefined || oldModel === goldenCase.model) return false;
  return old.equals(encodePng(goldenStrip(run), { ...goldenPngText(goldenCase, run), [PNG_TEXT_KEYS.model]: oldModel }));
}

function minSsimVsOld(old: Buffer, bytes: Buffer, run: GoldenRun): number | undefined {
  const [batch, , height, width] = run.shape;
  const tile = { width, height };
  const before = decodePng(old).image;
  const after = decodePng(bytes).image;
  const size = stripSize(batch, tile);
  if (before.width !== size.width || before.height !== size.height || before.channels !== after.channels) return undefined;
  let min = Infinity;
  for (let i = 0; i < batch; i++) min = Math.min(min, ssim(stripTile(before, batch, tile, i), stripTile(after, batch, tile, i)));
  return min;
}

/** An output of `--update` that it cannot write: found before any case runs, not after minutes of them. */
export class GoldenOutputError extends Error {
  override readonly name = 'GoldenOutputError';
}

/**
 * Before any case runs: the golden folder must be writable (each file is written beside its target and renamed), and
 * the manifest and every golden PNG must be a regular file or absent (a rename would replace a link or fail on a folder).
 */
async function checkGoldenOutputs(manifestPath: string, pngs: readonly string[]): Promise<void> {
  const goldenDir = dirname(manifestPath);
  try {
    await access(goldenDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new GoldenOutputError(`${goldenDir}: the golden folder is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was run`, { cause: error });
  }
  for (const path of [manifestPath, ...pngs]) {
    const kind = replacedByRename(path);
    if (kind !== undefined) throw new GoldenOutputError(`${path}: is ${kind}; --update replaces it with a regular file, so it must be one (or absent); nothing was run`);
  }
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
