import type { ComponentKind } from './component-model.js';
import { parseClipTextConfig, type ClipTextConfig } from './clip-text-config.js';
import { buildClipTextGraph, type ClipTextGraphSignature } from './clip-text-graph.js';

/** transformers' CLIPTextModel, or CLIPTextModelWithProjection when config.json's `architectures` says so. */
export const CLIP_TEXT_MODEL: ComponentKind<ClipTextConfig, ClipTextGraphSignature> = {
  className: 'CLIPTextModel',
  graphName: 'clip_text',
  parse: parseClipTextConfig,
  build: (config, weights, options) => buildClipTextGraph(config, weights, options),
};
