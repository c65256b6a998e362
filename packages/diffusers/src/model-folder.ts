import { readFile } from 'node:fs/promises';
import { isFile, listFiles, listFolders } from './folder-listing.js';
import { join, resolve } from 'node:path';
import { ModelFilePlanError } from './file-plan-error.js';
import { planModelFiles, type ModelFilePlan, type UNetFilePlan } from './model-file-plan.js';
import type { PipelineFilePlan } from './pipeline-file-plan.js';

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

/** A text-to-image pipeline folder: its root and the plan of the files each component is read from. */
export interface PipelineFolder {
  readonly root: string;
  /** Paths relative to `root` ('/'-separated); absolute ones through `path`. */
  readonly plan: PipelineFilePlan;
  path(relative: string): string;
}

/** What a model folder holds: an unconditional UNet2DModel, or a text-to-image pipeline. */
export type DiffusersModelFolder = { readonly kind: 'unet'; readonly folder: DiffusersUNetFolder } | { readonly kind: 'pipeline'; readonly folder: PipelineFolder };

/**
 * Finds the files of a UNet folder or a pipeline folder as diffusers' from_pretrained would: for a UNet2DModel its
 * config.json, weights (safetensors before `.bin`; `diffusion_pytorch_model.<variant>.*` with a variant) and
 * scheduler_config.json; for a text-to-image pipeline (model_index.json naming StableDiffusionPipeline) every
 * component's files. The choice is planModelFiles', the same one a Hub repo gets.
 */
export async function locateDiffusersModel(path: string, options: { readonly variant?: string } = {}): Promise<DiffusersModelFolder> {
  const root = resolve(path);
  if (!(await isDiffusersFolder(root))) {
    throw new DiffusersFolderError(root, 'not a diffusers model folder: it has neither model_index.json nor config.json');
  }
  let plan: ModelFilePlan;
  try {
    plan = await planModelFiles(await listModelFiles(root), {
      ...(options.variant ? { variant: options.variant } : {}),
      readJson: (file) => readJsonObject(join(root, file)),
    });
  } catch (error) {
    if (error instanceof ModelFilePlanError) throw new DiffusersFolderError(root, error.message);
    throw error;
  }
  if (plan.kind === 'pipeline') return { kind: 'pipeline', folder: { root, plan, path: (relative) => join(root, ...relative.split('/')) } };
  return { kind: 'unet', folder: await unetFolder(root, plan) };
}

/** locateDiffusersModel for a folder that must hold a UNet2DModel. */
export async function locateDiffusersUNet(path: string, options: { readonly variant?: string } = {}): Promise<DiffusersUNetFolder> {
  const located = await locateDiffusersModel(path, options);
  if (located.kind === 'pipeline') {
    throw new DiffusersFolderError(located.folder.root, `${located.folder.plan.pipelineClass} is a text-to-image pipeline, not a UNet2DModel`);
  }
  return located.folder;
}

async function unetFolder(root: string, plan: UNetFilePlan): Promise<DiffusersUNetFolder> {
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

/** The files a plan can name: the folder's own, and those of its immediate subfolders (the components). */
async function listModelFiles(root: string): Promise<string[]> {
  const files = await listFiles(root);
  for (const sub of await listFolders(root)) files.push(...(await listFiles(join(root, sub))).map((f) => `${sub}/${f}`));
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
