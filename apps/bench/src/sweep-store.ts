import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, writeFileAtomic, writeNpy } from '@denoise/image';
import { z } from 'zod';
import { formatIssues } from './bench-result.js';
import { firstDifference, shardDirName, SWEEP_SCHEMA, sweepIdOf, sweepPlanSchema, unitKey, type Shard, type SweepPlan, type WorkUnit } from './sweep-plan.js';

/**
 * A shard's folder: what one `pnpm bench --shard K/N` (or an unsharded run, 1/1) writes, and what `pnpm bench merge`
 * reads.
 *
 *   shard.json                          the sweep's plan, its id, and which shard this is
 *   units/<configuration>/b000003.json  one finished unit: timings, per-image sha256; written last, so its
 *                                       presence means the unit is complete (a restart skips it)
 *   units/<configuration>/b000003.features.npy, .logits.npy   FID features (float32 [count, dim]) and logits
 *   units/<configuration>/b000000.images.npy                  batch 0's float32 images, for quality and grids
 *   bare/r000003.json                   round 3's bare session.run block, for the overhead figures
 */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const finite = z.number().refine(Number.isFinite, 'a finite number');
const count = z.number().int().nonnegative();

const shardFileSchema = z.object({
  schema: z.literal('denoise-shard/1'),
  sweepId: z.string().regex(/^[0-9a-f]{16}$/),
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }),
  plan: sweepPlanSchema,
});
export type ShardFile = z.infer<typeof shardFileSchema>;

const unitRecordSchema = z.object({
  schema: z.literal('denoise-sweep-unit/1'),
  sweepId: z.string(),
  config: z.string().min(1),
  batch: count,
  first: count,
  count: z.number().int().positive(),
  /** One batch (sample(), or textToImage for a pipeline), ms; its model and loop parts from the sampler's per-call timings. */
  wallMs: finite,
  modelMs: finite,
  loopMs: finite,
  /** A text-to-image pipeline's text encoding and VAE decoding of the batch (its modelMs is the UNet's calls). */
  textMs: finite.optional(),
  decodeMs: finite.optional(),
  modelCalls: count,
  /** modelMs and modelCalls by kind of call (callKindTimes); absent in units written before kinds were recorded (one kind). */
  modelMsByKind: z.record(z.string(), z.object({ calls: count, ms: finite })).optional(),
  /** sha256 of each image's float32 result (little-endian bytes), in image order. */
  imageSha256: z.array(hex64),
  peakRssMiB: finite,
  host: z.string().min(1),
  finishedAt: z.string().min(1),
  /** The arrays stored beside this record. */
  arrays: z.object({ images: z.boolean(), features: z.boolean() }),
});
export type UnitRecord = z.infer<typeof unitRecordSchema>;

const bareRecordSchema = z.object({
  schema: z.literal('denoise-sweep-bare/1'),
  sweepId: z.string(),
  round: count,
  calls: z.number().int().positive(),
  /** Mean bare session.run time of this block, ms per call. */
  meanMsPerCall: finite,
  host: z.string().min(1),
});
export type BareRecord = z.infer<typeof bareRecordSchema>;

const pad = (n: number) => String(n).padStart(6, '0');
const unitBase = (dir: string, config: string, batch: number) => join(dir, 'units', config, `b${pad(batch)}`);

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string, precheck?: (raw: unknown, file: string) => void): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SweepFileError(`${file}: cannot read ${what} (${(error as Error).message})`);
  }
  precheck?.(raw, file);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new SweepFileError(`${file}: not ${what}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** A shard.json, refused plainly when another version of the sweep format wrote it. */
const readShardManifest = (file: string): Promise<ShardFile> => readJson(file, shardFileSchema, 'a shard manifest', refuseOtherSweepSchema);

/** A shard written by another version of the sweep format: said plainly, rather than as a schema mismatch. */
function refuseOtherSweepSchema(raw: unknown, file: string): void {
  const schema = (raw as { plan?: { schema?: unknown } } | null)?.plan?.schema;
  if (typeof schema === 'string' && schema.startsWith('denoise-sweep/') && schema !== SWEEP_SCHEMA) {
    throw new SweepFileError(`${file}: a shard of sweep format ${schema}, written by another version of denoise (this one writes ${SWEEP_SCHEMA}); run the shard again with this version into a new --out folder`);
  }
}

/** A shard folder that cannot be used: unreadable, of another sweep, or with missing or duplicate units (exit 2). */
export class SweepFileError extends Error {
  override readonly name = 'SweepFileError';
}

/**
 * The folder for a shard of `plan`: created with its shard.json, or, when it exists, checked to hold the same sweep
 * and shard (then its finished units are kept and skipped).
 */
export async function openShardDir(outDir: string, plan: SweepPlan, shard: Shard): Promise<{ dir: string; sweepId: string }> {
  const dir = join(outDir, shardDirName(shard));
  const sweepId = sweepIdOf(plan);
  const manifest = join(dir, 'shard.json');
  if (existsSync(manifest)) {
    const existing = await readShardManifest(manifest);
    const difference = firstDifference(existing.plan, plan);
    if (difference || existing.shard.index !== shard.index || existing.shard.count !== shard.count) {
      const why = difference ? `${difference.key} is ${difference.a} there, ${difference.b} now` : `it is shard ${existing.shard.index}/${existing.shard.count}`;
      throw new SweepFileError(`${dir} holds another sweep (${why}); pass another --out, or remove the folder to start again`);
    }
    return { dir, sweepId };
  }
  await mkdir(dir, { recursive: true });
  const file: ShardFile = { schema: 'denoise-shard/1', sweepId, shard: { index: shard.index, count: shard.count }, plan };
  await writeFileAtomic(manifest, `${JSON.stringify(file, null, 2)}\n`);
  return { dir, sweepId };
}

export const unitDone = (dir: string, unit: Pick<WorkUnit, 'config' | 'batch'>): boolean => existsSync(`${unitBase(dir, unit.config, unit.batch)}.json`);

export interface UnitArrays {
  readonly images?: { readonly data: Float32Array; readonly shape: readonly number[] };
  readonly features?: { readonly features: Float32Array; readonly logits: Float32Array; readonly featureDim: number; readonly classCount: number };
}

/** Writes the unit's arrays, then its record (the record's presence marks the unit finished). */
export async function writeUnit(dir: string, record: Omit<UnitRecord, 'schema' | 'arrays'>, arrays: UnitArrays): Promise<void> {
  const base = unitBase(dir, record.config, record.batch);
  await mkdir(join(dir, 'units', record.config), { recursive: true });
  if (arrays.images) await writeNpy(`${base}.images.npy`, { dtype: 'float32', shape: [...arrays.images.shape], data: arrays.images.data });
  if (arrays.features) {
    const { features, logits, featureDim, classCount } = arrays.features;
    await writeNpy(`${base}.features.npy`, { dtype: 'float32', shape: [record.count, featureDim], data: features });
    await writeNpy(`${base}.logits.npy`, { dtype: 'float32', shape: [record.count, classCount], data: logits });
  }
  const full: UnitRecord = { schema: 'denoise-sweep-unit/1', ...record, arrays: { images: arrays.images !== undefined, features: arrays.features !== undefined } };
  await writeFileAtomic(`${base}.json`, `${JSON.stringify(full)}\n`);
}

export async function writeBare(dir: string, record: Omit<BareRecord, 'schema'>): Promise<void> {
  await mkdir(join(dir, 'bare'), { recursive: true });
  await writeFileAtomic(join(dir, 'bare', `r${pad(record.round)}.json`), `${JSON.stringify({ schema: 'denoise-sweep-bare/1', ...record })}\n`);
}

export interface ShardContents {
  readonly dir: string;
  readonly manifest: ShardFile;
  readonly units: readonly UnitRecord[];
  readonly bare: readonly BareRecord[];
}

/** Reads a shard folder: its manifest, every finished unit and bare block (each checked against its schema). */
export async function readShardDir(dir: string): Promise<ShardContents> {
  const manifestFile = join(dir, 'shard.json');
  if (!existsSync(manifestFile)) throw new SweepFileError(`${dir}: no shard.json here (not a folder written by pnpm bench --shard)`);
  const manifest = await readShardManifest(manifestFile);
  // The id is recomputed from the plan, so that a plan edited after the shard ran (its seed, say) is caught.
  const planId = sweepIdOf(manifest.plan);
  if (planId !== manifest.sweepId) {
    throw new SweepFileError(`${manifestFile}: its plan makes sweep ${planId}, not the ${manifest.sweepId} it records: the plan was edited after the shard ran`);
  }
  const units: UnitRecord[] = [];
  const unitsDir = join(dir, 'units');
  if (existsSync(unitsDir)) {
    for (const config of (await readdir(unitsDir)).sort()) {
      for (const file of (await readdir(join(unitsDir, config))).sort()) {
        if (!/^b\d{6}\.json$/.test(file)) continue;
        const record = await readJson(join(unitsDir, config, file), unitRecordSchema, 'a unit record');
        if (record.sweepId !== manifest.sweepId) throw new SweepFileError(`${join(unitsDir, config, file)}: of sweep ${record.sweepId}, not this folder's ${manifest.sweepId}`);
        if (record.config !== config || `b${pad(record.batch)}.json` !== file) {
          throw new SweepFileError(`${join(unitsDir, config, file)}: records ${unitKey(record.config, record.batch)}, not what its name says`);
        }
        units.push(record);
      }
    }
  }
  const bare: BareRecord[] = [];
  const bareDir = join(dir, 'bare');
  if (existsSync(bareDir)) {
    for (const file of (await readdir(bareDir)).sort()) {
      if (!/^r\d{6}\.json$/.test(file)) continue;
      const record = await readJson(join(bareDir, file), bareRecordSchema, 'a bare-call record');
      if (record.sweepId === manifest.sweepId) bare.push(record);
    }
  }
  return { dir, manifest, units, bare };
}

/** A folder given to `merge`: a shard folder itself, or a folder whose shard-K-of-N subfolders are read. */
export async function shardDirsIn(path: string): Promise<string[]> {
  if (existsSync(join(path, 'shard.json'))) return [path];
  if (!existsSync(path)) throw new SweepFileError(`${path}: no such folder`);
  if (!statSync(path).isDirectory()) throw new SweepFileError(`${path}: not a folder; expected a shard folder (shard-K-of-N/) or a folder holding them`);
  const found = (await readdir(path)).filter((name) => /^shard-\d+-of-\d+$/.test(name) && existsSync(join(path, name, 'shard.json'))).sort();
  if (found.length === 0) throw new SweepFileError(`${path}: neither a shard folder (shard.json) nor a folder of shard-K-of-N folders`);
  return found.map((name) => join(path, name));
}

/** A unit's stored images, checked against the per-image sha256 its record holds (an edited .npy is refused). */
export async function readUnitImages(dir: string, record: Pick<UnitRecord, 'config' | 'batch' | 'imageSha256'>): Promise<{ data: Float32Array; shape: [number, number, number, number] }> {
  const file = `${unitBase(dir, record.config, record.batch)}.images.npy`;
  const array = await readNpy(file);
  if (array.dtype !== 'float32' || array.shape.length !== 4) throw new SweepFileError(`${file}: expected float32 [B, C, H, W]`);
  const data = array.data as Float32Array;
  const hashes = imageHashes(data, array.shape[0]!);
  const changed = hashes.length !== record.imageSha256.length ? 0 : hashes.findIndex((hash, i) => hash !== record.imageSha256[i]);
  if (changed >= 0) {
    throw new SweepFileError(`${file}: image ${changed} is not the one its record's sha256 names (${record.imageSha256.length} recorded, ${hashes.length} stored): the images changed after the unit was recorded`);
  }
  return { data, shape: array.shape as [number, number, number, number] };
}

export async function readUnitFeatures(dir: string, record: UnitRecord): Promise<{ features: Float32Array; logits: Float32Array }> {
  const base = unitBase(dir, record.config, record.batch);
  const features = await readNpy(`${base}.features.npy`);
  const logits = await readNpy(`${base}.logits.npy`);
  for (const [name, a] of [['features', features], ['logits', logits]] as const) {
    if (a.dtype !== 'float32' || a.shape.length !== 2 || a.shape[0] !== record.count) {
      throw new SweepFileError(`${base}.${name}.npy: expected float32 [${record.count}, …], got ${a.dtype} [${a.shape.join(', ')}]`);
    }
  }
  return { features: features.data as Float32Array, logits: logits.data as Float32Array };
}

/** sha256 of each image's float32 bytes, in order. */
export function imageHashes(images: Float32Array, count: number): string[] {
  const per = images.length / count;
  return Array.from({ length: count }, (_, i) => {
    const view = images.subarray(i * per, (i + 1) * per);
    return createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
  });
}
