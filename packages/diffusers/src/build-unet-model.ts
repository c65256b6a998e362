import { buildComponent, type BuildComponentOptions, type BuiltComponent, type ComponentKind } from './component-model.js';
import type { DiffusersUNetFolder } from './model-folder.js';
import { parseUNet2DConditionConfig, type UNet2DConditionConfig } from './unet-condition-config.js';
import { buildUNet2DConditionGraph, type UNetConditionGraphSignature } from './unet-condition-graph.js';
import { parseUNet2DConfig, type UNet2DConfig } from './unet-config.js';
import { buildUNet2DGraph, type UNetGraphSignature } from './unet-graph.js';

/**
 * UNet2DModel keeps attention as standard operators whatever the provider allows: at its token counts (≤ 256 in
 * ddpm-celebahq-256) onnxruntime's fused kernel is within a few percent either way (1.2 % faster on celebahq-256 at
 * batch 1, 3.5 % slower on the embedded model at batch 16), and the standard operators keep the goldens' floats.
 */
export const UNET_2D: ComponentKind<UNet2DConfig, UNetGraphSignature> = {
  className: 'UNet2DModel',
  graphName: 'unet',
  parse: parseUNet2DConfig,
  build: (config, weights, options) => buildUNet2DGraph(config, weights, { ...options, fusedAttention: false }),
};

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
