import { ModelFilePlanError } from './file-plan-error.js';
import { pipelinePlanPaths, planPipelineFiles, textToImagePipelineClass, TEXT_TO_IMAGE_PIPELINES, type PipelineFilePlan } from './pipeline-file-plan.js';

/**
 * Which files of a repository a diffusers UNet2DModel needs, decided from the list of its file paths alone (as a
 * hub listing gives them): the pipeline's model_index.json, the UNet's config.json, one weights file
 * (safetensors before `.bin`; `diffusion_pytorch_model.<variant>.*` with a variant) and the scheduler config.
 * Nothing else is fetched: no sample images, no other weights.
 */
export interface UNetFilePlan {
  readonly modelIndex?: string;
  /** The folder (a path prefix ending in '/', or '') holding config.json and the weights. */
  readonly unetDir: string;
  readonly config: string;
  readonly weights: string;
  readonly schedulerConfig?: string;
}

const WEIGHTS_STEM = 'diffusion_pytorch_model';

/**
 * `files`: every file path of the repository (or folder), '/'-separated. `unetOf` is consulted when there is a
 * model_index.json: it returns that file's parsed content so the unet's class can be checked.
 */
export async function planUNetFiles(
  files: readonly string[],
  options: { readonly subfolder?: string; readonly variant?: string; readonly readModelIndex: (path: string) => Promise<unknown> },
): Promise<UNetFilePlan> {
  const prefix = options.subfolder ? `${options.subfolder}/` : '';
  const has = (path: string) => files.includes(path);
  let unetDir: string;
  let schedulerConfig: string | undefined;
  const modelIndex = has(`${prefix}model_index.json`) ? `${prefix}model_index.json` : undefined;
  if (modelIndex) {
    assertPipelineHasUNet2D(await options.readModelIndex(modelIndex), modelIndex);
    unetDir = has(`${prefix}unet/config.json`) ? `${prefix}unet/` : prefix;
    schedulerConfig = [`${prefix}scheduler/scheduler_config.json`, `${prefix}scheduler_config.json`].find(has);
  } else if (has(`${prefix}config.json`)) {
    unetDir = prefix;
    schedulerConfig = [`${prefix}scheduler_config.json`].find(has);
  } else {
    const shown = files.slice(0, 20).join(', ') + (files.length > 20 ? `, … (${files.length} files)` : '');
    throw new ModelFilePlanError(`no ${prefix}model_index.json or ${prefix}config.json: not a diffusers model${prefix ? ' folder' : ''} (files: ${shown || 'none'})`);
  }
  if (!has(`${unetDir}config.json`)) throw new ModelFilePlanError(`${modelIndex ?? 'the folder'} names a unet, but ${unetDir}config.json does not exist`);
  const stem = options.variant ? `${WEIGHTS_STEM}.${options.variant}` : WEIGHTS_STEM;
  const weights = [`${unetDir}${stem}.safetensors`, `${unetDir}${stem}.bin`].find(has);
  if (!weights) {
    const present = files.filter((f) => f.startsWith(`${unetDir}${WEIGHTS_STEM}`) && !f.slice(unetDir.length).includes('/'));
    const sharded = present.find((f) => f.endsWith('.index.json'));
    const hint = sharded
      ? `; ${sharded} is a sharded checkpoint, which denoise does not read yet`
      : present.length > 0
        ? `; weights files here: ${present.join(', ')}${options.variant ? '' : ' (pass --variant for a variant such as fp16)'}`
        : '';
    throw new ModelFilePlanError(`no ${unetDir}${stem}.safetensors or ${unetDir}${stem}.bin${hint}`);
  }
  return { ...(modelIndex ? { modelIndex } : {}), unetDir, config: `${unetDir}config.json`, weights, ...(schedulerConfig ? { schedulerConfig } : {}) };
}

/** What a model folder or repository is run as: an unconditional UNet2DModel, or a text-to-image pipeline. */
export type ModelFilePlan = ({ readonly kind: 'unet' } & UNetFilePlan) | ({ readonly kind: 'pipeline' } & PipelineFilePlan);

/**
 * The files to load (or fetch) for a folder or repository, from its file list: a text-to-image pipeline when its
 * model_index.json names one (StableDiffusionPipeline), otherwise a UNet2DModel (see planUNetFiles). `readJson` reads
 * one of the listed files (model_index.json, a sharded checkpoint's index).
 */
export async function planModelFiles(
  files: readonly string[],
  options: { readonly subfolder?: string; readonly variant?: string; readonly readJson: (path: string) => Promise<unknown> },
): Promise<ModelFilePlan> {
  const prefix = options.subfolder ? `${options.subfolder}/` : '';
  const indexPath = `${prefix}model_index.json`;
  if (files.includes(indexPath)) {
    const index = await options.readJson(indexPath);
    if (textToImagePipelineClass(index)) {
      const plan = await planPipelineFiles(files, index as Record<string, unknown>, { prefix, readJson: options.readJson, ...(options.variant ? { variant: options.variant } : {}) });
      return { kind: 'pipeline', ...plan };
    }
  }
  const plan = await planUNetFiles(files, {
    ...(options.subfolder ? { subfolder: options.subfolder } : {}),
    ...(options.variant ? { variant: options.variant } : {}),
    readModelIndex: options.readJson,
  });
  return { kind: 'unet', ...plan };
}

/** Every file a plan names. */
export function modelPlanPaths(plan: ModelFilePlan): string[] {
  if (plan.kind === 'pipeline') return pipelinePlanPaths(plan);
  return [plan.modelIndex, plan.config, plan.schedulerConfig, plan.weights].filter((p): p is string => p !== undefined);
}

/** model_index.json must name a UNet2DModel as its unet; otherwise the error lists the components found. */
export function assertPipelineHasUNet2D(index: unknown, source: string): void {
  if (typeof index !== 'object' || index === null || Array.isArray(index)) throw new ModelFilePlanError(`${source} must hold a JSON object`);
  const components = Object.entries(index).filter(
    (entry): entry is [string, [string, string]] => Array.isArray(entry[1]) && entry[1].length === 2 && entry[1].every((v) => typeof v === 'string'),
  );
  const unet = components.find(([name]) => name === 'unet');
  const found = components.map(([name, [, cls]]) => `${name}: ${cls}`).join(', ') || 'none';
  const pipeline = (index as { _class_name?: unknown })._class_name;
  const supported = `denoise runs ${Object.keys(TEXT_TO_IMAGE_PIPELINES).join(', ')} and pipelines whose unet is a UNet2DModel`;
  if (!unet) throw new ModelFilePlanError(`${source}: ${typeof pipeline === 'string' ? pipeline : 'the pipeline'} has no 'unet' component (components: ${found}); ${supported}`);
  if (unet[1][1] !== 'UNet2DModel') {
    throw new ModelFilePlanError(
      `${source}: ${typeof pipeline === 'string' ? `${pipeline}, whose` : 'the pipeline\'s'} unet is a ${unet[1][1]}, is not supported; ${supported} (components: ${found})`,
    );
  }
}
