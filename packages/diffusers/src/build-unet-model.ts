import { buildComponent, type BuildComponentOptions, type BuiltComponent, type ComponentKind } from './component-model.js';
import type { DiffusersUNetFolder } from './model-folder.js';
import { parseUNet2DConditionConfig, type UNet2DConditionConfig } from './unet-condition-config.js';
import { buildUNet2DConditionGraph, type UNetConditionGraphSignature } from './unet-condition-graph.js';
import { parseUNet2DConfig, type UNet2DConfig } from './unet-config.js';
import { buildUNet2DGraph, type UNetGraphSignature } from './unet-graph.js';

export const UNET_2D: ComponentKind<UNet2DConfig, UNetGraphSignature> = { className: 'UNet2DModel', graphName: 'unet', parse: parseUNet2DConfig, build: buildUNet2DGraph };

export const UNET_2D_CONDITION: ComponentKind<UNet2DConditionConfig, UNetConditionGraphSignature> = {
  className: 'UNet2DConditionModel',
  graphName: 'unet',
  parse: parseUNet2DConditionConfig,
  build: buildUNet2DConditionGraph,
};

export type BuiltUNetModel = BuiltComponent<UNet2DConfig, UNetGraphSignature> & { readonly folder: DiffusersUNetFolder };

/** Reads config.json and the weights of a located UNet2DModel folder and builds its ONNX graph. */
export async function buildUNetModel(folder: DiffusersUNetFolder, options: BuildComponentOptions = {}): Promise<BuiltUNetModel> {
  return { ...(await buildComponent(UNET_2D, folder, options)), folder };
}
