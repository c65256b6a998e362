import { join, resolve } from 'node:path';
import type { ComponentFiles } from './component-model.js';
import { isFile, listFiles } from './folder-listing.js';
import { ModelFilePlanError } from './file-plan-error.js';
import { DiffusersFolderError, readJsonObject } from './model-folder.js';
import { planWeightedComponent, type WeightsStems } from './pipeline-file-plan.js';

/**
 * The config.json and weights of one component, as from_pretrained(path, subfolder=component) finds them: `path` is
 * the component's own folder, or a pipeline folder (model_index.json) holding `<component>/`. The weights are chosen
 * by the same rule a pipeline's components are (planWeightedComponent); a variant the component lacks is refused,
 * as a single model's from_pretrained refuses it.
 */
export async function locateComponentFiles(
  path: string,
  options: { readonly component: string; readonly stems?: WeightsStems; readonly variant?: string },
): Promise<ComponentFiles & { readonly dir: string }> {
  const root = resolve(path);
  const inPipeline = await isFile(join(root, 'model_index.json'));
  const dir = inPipeline ? join(root, options.component) : root;
  try {
    const plan = await planWeightedComponent(await listFiles(dir), '', options.stems ?? 'diffusers', {
      ...(options.variant ? { variant: options.variant } : {}),
      readJson: (file) => readJsonObject(join(dir, file)),
    });
    return { dir, configPath: join(dir, plan.config), weightsPath: join(dir, plan.weights), weightsFormat: plan.format };
  } catch (error) {
    if (!(error instanceof ModelFilePlanError)) throw error;
    const where = inPipeline ? `the pipeline's ${options.component}/ folder` : 'the folder';
    throw new DiffusersFolderError(dir, error.message.replace(/^the folder/, where).replace(/has no config\.json$/, `has no config.json: not a diffusers ${options.component} folder`));
  }
}
