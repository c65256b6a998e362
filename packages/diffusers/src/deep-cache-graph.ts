import { rewrittenGraph } from './graph-rewrite.js';
import type { GraphBuilder } from './onnx-graph.js';

/**
 * DeepCache (Ma, Fang & Wang, "DeepCache: Accelerating Diffusion Models for Free", CVPR 2024) for the UNet graphs:
 * the full forward also returns the deep feature — the hidden state entering the up-path resnet that concatenates
 * skip connection `branch` — and a shallow forward takes it back and runs only what that skip and the shallower ones
 * need: conv_in, the down path up to skip `branch`, the up path from the cut, conv_out.
 *
 * Skip connections are numbered as the down path leaves them: 0 is conv_in's output, then each down resnet (with its
 * attention), then the level's downsampler. `branch` is the `cache_branch_id` of DeepCache's library helper
 * (DeepCacheSDHelper; its default 0 reruns only the last up resnet). The repository's two recipes cut one skip deeper:
 * the DDPM recipe's `branch` b is our b + 1, and the Stable Diffusion pipeline's cache_layer_id = cache_block_id = 0
 * is our 1.
 */
export const DEEP_FEATURE = 'deep_feature';

/** What a graph built with a DeepCache cut returns beside its output, and how much of the model the shallow call skips. */
export interface DeepCacheSignature {
  readonly branch: number;
  /** The largest branch this model allows (its skip connections less one): only the mid block is cached. */
  readonly maxBranch: number;
  readonly feature: { readonly name: typeof DEEP_FEATURE; readonly channels: number };
}

/** A `--deepcache-branch` the model cannot cut at, or a model too shallow for DeepCache; the message says what is allowed. */
export class DeepCacheBranchError extends RangeError {
  constructor(
    message: string,
    readonly branch: number,
    readonly allowed: string,
  ) {
    super(message);
    this.name = 'DeepCacheBranchError';
  }
}

/**
 * The cut of one graph build: the up path reports each skip it is about to consume (`beforeSkip`), the tap keeps
 * the hidden state at the chosen one, and `emit` makes it the graph's second output.
 */
export class DeepCacheTap {
  private found: { readonly hidden: string; readonly channels: number } | undefined;
  readonly maxBranch: number;

  /** `skipCount`: the skip connections the down path left, conv_in's included; `levels`: the UNet's resolutions. */
  constructor(
    readonly branch: number,
    skipCount: number,
    levels: number,
  ) {
    this.maxBranch = skipCount - 1;
    if (levels < 2) {
      throw new DeepCacheBranchError(`DeepCache needs a UNet with at least 2 levels (block_out_channels); this one has ${levels}, so no part of it runs below the full resolution to be cached`, branch, 'a UNet with ≥ 2 levels');
    }
    if (!Number.isInteger(branch) || branch < 0 || branch > this.maxBranch) {
      const allowed = `an integer 0 … ${this.maxBranch}`;
      throw new DeepCacheBranchError(`DeepCache branch ${branch} is beyond this UNet: it has ${skipCount} skip connections, so the branch is ${allowed} (0 is the shallowest cut)`, branch, allowed);
    }
  }

  /** Given to the up blocks: called with the index of the skip connection each resnet is about to concatenate. */
  readonly beforeSkip = (skipIndex: number, hidden: string, channels: number): void => {
    if (skipIndex === this.branch) this.found = { hidden, channels };
  };

  /** Adds the deep feature as the graph's output `deep_feature`; call after the up path is built. */
  emit(graph: GraphBuilder): DeepCacheSignature {
    if (!this.found) throw new Error(`internal error: the up path never reached skip connection ${this.branch}`);
    const feature = graph.op('Identity', [this.found.hidden], {}, 'deep_cache');
    graph.output(feature, { name: DEEP_FEATURE, dtype: 'FLOAT', shape: ['batch', this.found.channels, 'feature_height', 'feature_width'] });
    return { branch: this.branch, maxBranch: this.maxBranch, feature: { name: DEEP_FEATURE, channels: this.found.channels } };
  }
}

/**
 * The shallow forward of a graph built with a DeepCache tap: `deep_feature` becomes an input where the full graph
 * computed it, and every node the remaining output no longer needs (the deep down path, the mid block, the up path
 * below the cut) is dropped, with the weights only those nodes read. The graph's other inputs stay, unused or not,
 * so that both forwards are fed alike.
 */
export function shallowGraph(full: GraphBuilder): GraphBuilder {
  const tapIndex = full.nodes.findIndex((node) => node.outputs.includes(DEEP_FEATURE));
  const featureInfo = full.outputs.find((o) => o.name === DEEP_FEATURE);
  if (tapIndex < 0 || !featureInfo) throw new Error(`internal error: the graph has no '${DEEP_FEATURE}' output to cut at`);
  const hidden = full.nodes[tapIndex]!.inputs[0]!;
  const nodes = full.nodes
    .filter((_, i) => i !== tapIndex)
    .map((node) => (node.inputs.includes(hidden) ? { ...node, inputs: node.inputs.map((v) => (v === hidden ? DEEP_FEATURE : v)) } : node));
  const shallow = rewrittenGraph(full, { nodes, outputs: full.outputs.filter((o) => o.name !== DEEP_FEATURE) });
  shallow.inputs.push(featureInfo);
  return shallow;
}
