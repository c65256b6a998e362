import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertPipelineHasUNet2D as checkModelIndex, UNetFilePlanError } from './model-file-plan.js';

/** Where a diffusers UNet2DModel's files are. */
export interface DiffusersUNetFolder {
  /** The folder holding config.json and the weights. */
  readonly unetDir: string;
  readonly configPath: string;
  readonly weightsPath: string;
  readonly weightsFormat: 'safetensors' | 'torch-bin';
  readonly schedulerConfigPath?: string;
  /** 'unet': a UNet folder (config.json + weights); 'pipeline': model_index.json + unet/ + scheduler/ (or flat). */
  readonly layout: 'unet' | 'pipeline';
}

/** A folder that looks like a diffusers model but cannot be used as a UNet2DModel. */
export class DiffusersFolderError extends Error {
  override readonly name = 'DiffusersFolderError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const WEIGHTS_STEM = 'diffusion_pytorch_model';

/** Whether `path` is a folder diffusers would load a UNet2DModel (or a pipeline holding one) from. */
export async function isDiffusersFolder(path: string): Promise<boolean> {
  return (await isFile(join(path, 'model_index.json'))) || (await isFile(join(path, 'config.json')));
}

/**
 * Finds config.json, the weights and scheduler_config.json of a UNet folder or a pipeline folder, as
 * diffusers' from_pretrained does: safetensors before `.bin`, and with `variant` (e.g. 'fp16') the
 * `diffusion_pytorch_model.<variant>.*` file.
 */
export async function locateDiffusersUNet(path: string, options: { readonly variant?: string } = {}): Promise<DiffusersUNetFolder> {
  const root = resolve(path);
  const indexPath = join(root, 'model_index.json');
  if (await isFile(indexPath)) {
    await assertPipelineHasUNet2D(indexPath);
    const nested = join(root, 'unet');
    const unetDir = (await isFile(join(nested, 'config.json'))) ? nested : root;
    if (!(await isFile(join(unetDir, 'config.json')))) {
      throw new DiffusersFolderError(root, 'model_index.json names a unet, but neither unet/config.json nor config.json exists');
    }
    const schedulerConfigPath = (await firstFile([join(root, 'scheduler', 'scheduler_config.json'), join(root, 'scheduler_config.json')])) ?? undefined;
    return { ...(await locateWeights(unetDir, options.variant)), ...(schedulerConfigPath ? { schedulerConfigPath } : {}), layout: 'pipeline' };
  }
  if (!(await isFile(join(root, 'config.json')))) {
    throw new DiffusersFolderError(root, 'not a diffusers model folder: it has neither model_index.json nor config.json');
  }
  const schedulerConfigPath = await firstFile([join(root, 'scheduler_config.json'), join(root, '..', 'scheduler', 'scheduler_config.json')]);
  return { ...(await locateWeights(root, options.variant)), ...(schedulerConfigPath ? { schedulerConfigPath } : {}), layout: 'unet' };
}

async function assertPipelineHasUNet2D(indexPath: string): Promise<void> {
  try {
    checkModelIndex(await readJsonObject(indexPath), indexPath);
  } catch (error) {
    if (error instanceof UNetFilePlanError) throw new DiffusersFolderError(indexPath, error.message.replace(`${indexPath}: `, ''));
    throw error;
  }
}

async function locateWeights(unetDir: string, variant: string | undefined): Promise<Pick<DiffusersUNetFolder, 'unetDir' | 'configPath' | 'weightsPath' | 'weightsFormat'>> {
  const configPath = join(unetDir, 'config.json');
  const stem = variant ? `${WEIGHTS_STEM}.${variant}` : WEIGHTS_STEM;
  const candidates: [string, DiffusersUNetFolder['weightsFormat']][] = [
    [`${stem}.safetensors`, 'safetensors'],
    [`${stem}.bin`, 'torch-bin'],
  ];
  for (const [name, weightsFormat] of candidates) {
    const weightsPath = join(unetDir, name);
    if (await isFile(weightsPath)) return { unetDir, configPath, weightsPath, weightsFormat };
  }
  const present = (await readdir(unetDir)).filter((f) => f.startsWith(WEIGHTS_STEM));
  const sharded = present.find((f) => f.endsWith('.index.json'));
  const hint = sharded
    ? `; ${sharded} is a sharded checkpoint, which denoise does not read yet`
    : present.length > 0
      ? `; weights files here: ${present.join(', ')}${variant ? '' : ' (pass --variant for a variant such as fp16)'}`
      : '';
  throw new DiffusersFolderError(unetDir, `no ${stem}.safetensors or ${stem}.bin${hint}`);
}

/** Reads a JSON file that must hold an object; errors name the file. */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DiffusersFolderError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DiffusersFolderError(path, `must hold a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

async function firstFile(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await isFile(path)) return path;
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
