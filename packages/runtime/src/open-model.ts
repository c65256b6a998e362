import { join } from 'node:path';
import { locateDiffusersModel, readJsonObject, textToImagePipelineClass } from '@denoise/diffusers';
import { asModelLoadError } from './component-errors.js';
import { assertThreads, loadResolvedModel, referenceOptions, type LoadedModel, type LoadModelOptions } from './load-model.js';
import { loadPipeline, type LoadedPipeline } from './load-pipeline.js';
import { resolveModelReference } from './model-reference.js';
import { stat } from 'node:fs/promises';

/** What a model reference opens as: an unconditional denoiser (UNet2DModel, an ONNX file) or a text-to-image pipeline. */
export type OpenedModel = LoadedModel | LoadedPipeline;

/**
 * Opens any model reference denoise runs (a path, `hf:…`, `synthetic:…`): a folder whose model_index.json names a
 * text-to-image pipeline (StableDiffusionPipeline) is loaded as one (loadPipeline); anything else as loadModel does.
 * The reference is resolved (and a Hub model fetched) once.
 */
export async function openModel(path: string, options: LoadModelOptions = {}): Promise<OpenedModel> {
  assertThreads(options.threads);
  const reference = await resolveModelReference(path, referenceOptions(options));
  if (await isTextToImageFolder(reference.localPath)) {
    let located;
    try {
      located = await locateDiffusersModel(reference.localPath, options.variant !== undefined ? { variant: options.variant } : {});
    } catch (error) {
      throw asModelLoadError(error, reference.localPath);
    }
    if (located.kind === 'pipeline') return loadPipeline(located.folder, reference, options);
  }
  return loadResolvedModel(reference, options);
}

async function isTextToImageFolder(path: string): Promise<boolean> {
  const index = join(path, 'model_index.json');
  try {
    if (!(await stat(index)).isFile()) return false;
  } catch {
    return false;
  }
  try {
    return textToImagePipelineClass(await readJsonObject(index)) !== undefined;
  } catch (error) {
    throw asModelLoadError(error, index);
  }
}
