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

/** A repository or folder without a usable UNet2DModel; `found` lists what is there. */
export class UNetFilePlanError extends Error {
  override readonly name = 'UNetFilePlanError';
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
    throw new UNetFilePlanError(`no ${prefix}model_index.json or ${prefix}config.json: not a diffusers model${prefix ? ' folder' : ''} (files: ${shown || 'none'})`);
  }
  if (!has(`${unetDir}config.json`)) throw new UNetFilePlanError(`${modelIndex ?? 'the folder'} names a unet, but ${unetDir}config.json does not exist`);
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
    throw new UNetFilePlanError(`no ${unetDir}${stem}.safetensors or ${unetDir}${stem}.bin${hint}`);
  }
  return { ...(modelIndex ? { modelIndex } : {}), unetDir, config: `${unetDir}config.json`, weights, ...(schedulerConfig ? { schedulerConfig } : {}) };
}

/** model_index.json must name a UNet2DModel as its unet; otherwise the error lists the components found. */
export function assertPipelineHasUNet2D(index: unknown, source: string): void {
  if (typeof index !== 'object' || index === null || Array.isArray(index)) throw new UNetFilePlanError(`${source} must hold a JSON object`);
  const components = Object.entries(index).filter(
    (entry): entry is [string, [string, string]] => Array.isArray(entry[1]) && entry[1].length === 2 && entry[1].every((v) => typeof v === 'string'),
  );
  const unet = components.find(([name]) => name === 'unet');
  const found = components.map(([name, [, cls]]) => `${name}: ${cls}`).join(', ') || 'none';
  if (!unet) throw new UNetFilePlanError(`${source}: the pipeline has no 'unet' component (components: ${found}); denoise runs UNet2DModel`);
  if (unet[1][1] !== 'UNet2DModel') {
    throw new UNetFilePlanError(`${source}: the pipeline's unet is a ${unet[1][1]}; denoise runs UNet2DModel only (components: ${found})`);
  }
}
