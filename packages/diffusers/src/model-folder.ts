import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { planUNetFiles, UNetFilePlanError, type UNetFilePlan } from './model-file-plan.js';

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


/** Whether `path` is a folder diffusers would load a UNet2DModel (or a pipeline holding one) from. */
export async function isDiffusersFolder(path: string): Promise<boolean> {
  return (await isFile(join(path, 'model_index.json'))) || (await isFile(join(path, 'config.json')));
}

/**
 * Finds config.json, the weights and scheduler_config.json of a UNet folder or a pipeline folder, as
 * diffusers' from_pretrained does: safetensors before `.bin`, and with `variant` (e.g. 'fp16') the
 * `diffusion_pytorch_model.<variant>.*` file. The choice is planUNetFiles', the same one a Hub repo gets.
 */
export async function locateDiffusersUNet(path: string, options: { readonly variant?: string } = {}): Promise<DiffusersUNetFolder> {
  const root = resolve(path);
  if (!(await isDiffusersFolder(root))) {
    throw new DiffusersFolderError(root, 'not a diffusers model folder: it has neither model_index.json nor config.json');
  }
  let plan: UNetFilePlan;
  try {
    plan = await planUNetFiles(await listModelFiles(root), {
      ...(options.variant ? { variant: options.variant } : {}),
      readModelIndex: (file) => readJsonObject(join(root, file)),
    });
  } catch (error) {
    if (error instanceof UNetFilePlanError) throw new DiffusersFolderError(root, error.message);
    throw error;
  }
  const schedulerConfigPath = plan.schedulerConfig
    ? join(root, plan.schedulerConfig)
    : plan.modelIndex
      ? undefined
      : await firstFile([join(root, '..', 'scheduler', 'scheduler_config.json')]); // a unet/ folder given inside its pipeline
  return {
    unetDir: resolve(root, plan.unetDir),
    configPath: join(root, plan.config),
    weightsPath: join(root, plan.weights),
    weightsFormat: plan.weights.endsWith('.bin') ? 'torch-bin' : 'safetensors',
    ...(schedulerConfigPath ? { schedulerConfigPath } : {}),
    layout: plan.modelIndex ? 'pipeline' : 'unet',
  };
}

/** The files a plan can name: the folder's own, and those of its unet/ and scheduler/ subfolders. */
async function listModelFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of ['', 'unet/', 'scheduler/']) {
    let entries;
    try {
      entries = await readdir(join(root, sub), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(join(root, sub, entry.name))))) files.push(`${sub}${entry.name}`);
    }
  }
  return files;
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
