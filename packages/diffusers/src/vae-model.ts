import type { ComponentKind } from './component-model.js';
import { parseAutoencoderKLConfig, type AutoencoderKLConfig } from './vae-config.js';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, type VaeDecoderInput, type VaeGraphSignature } from './vae-graph.js';

/** AutoencoderKL's decoder, fed the pipeline's latents (default) or the decoder's own z = latents / scaling_factor. */
export function vaeDecoderKind(input: VaeDecoderInput = 'latents'): ComponentKind<AutoencoderKLConfig, VaeGraphSignature> {
  return {
    className: 'AutoencoderKL decoder',
    graphName: 'vae_decoder',
    parse: parseAutoencoderKLConfig,
    build: (config, weights, options) => buildVaeDecoderGraph(config, weights, { ...options, input }),
  };
}

export const VAE_DECODER = vaeDecoderKind('latents');

/** AutoencoderKL's encoder: image in [−1, 1] → the latent distribution's mean and std. */
export const VAE_ENCODER: ComponentKind<AutoencoderKLConfig, VaeGraphSignature> = {
  className: 'AutoencoderKL encoder',
  graphName: 'vae_encoder',
  parse: parseAutoencoderKLConfig,
  build: buildVaeEncoderGraph,
};
