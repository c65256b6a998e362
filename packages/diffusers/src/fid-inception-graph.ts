import { CheckpointWeights } from './checkpoint-weights.js';
import { GraphBuilder } from './onnx-graph.js';
import { NO_WEIGHTS, type WeightsFile } from './weights-file.js';

/**
 * pytorch-fid's `InceptionV3([3], resize_input=False, normalize_input=False, use_fid_inception=True)`: torchvision's
 * Inception-v3 trunk with pytorch-fid's FIDInceptionA/C/E_1/E_2 blocks (the TensorFlow FID graph's pooling), up to
 * the 2048 pool3 features. Input: the tensor that enters Conv2d_1a_3x3 ([N, 3, 299, 299]; each tool's resize and
 * normalisation happen before). One function per torchvision module, weight names verbatim from the state_dict.
 */

export const FID_INCEPTION_INPUT_SIZE = 299;
export const FID_INCEPTION_FEATURE_DIM = 2048;
/** What a mismatched weights file is reported against. */
export const FID_INCEPTION_ARCHITECTURE = "pytorch-fid's FID Inception-v3 (pt_inception-2015-12-05 layout)";

/** torchvision's BasicConv2d: BatchNorm2d(eps=0.001). */
const BATCH_NORM_EPS = 0.001;

interface FidGraph {
  readonly graph: GraphBuilder;
  readonly weights: CheckpointWeights;
}

type Pair = readonly [number, number];

/**
 * BasicConv2d: Conv2d(bias=False) → BatchNorm2d (eval: running statistics) → ReLU. The BatchNormalization stays a
 * node so its parameters stay in the weights file; onnxruntime folds it into the convolution's weights and bias at
 * session creation (ConvBNFusion) and fuses the ReLU, so it costs nothing per run.
 */
function basicConv2d(
  { graph, weights }: FidGraph,
  x: string,
  prefix: string,
  channels: { readonly in: number; readonly out: number },
  kernel: Pair,
  options: { readonly stride?: number; readonly padding?: Pair } = {},
): string {
  const [kh, kw] = kernel;
  const [ph, pw] = options.padding ?? [0, 0];
  const stride = options.stride ?? 1;
  const w = weights.take(`${prefix}.conv.weight`, [channels.out, channels.in, kh, kw]);
  const conv = graph.op('Conv', [x, w], { kernel_shape: [kh, kw], strides: [stride, stride], pads: [ph, pw, ph, pw] }, prefix);
  const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((name) => weights.take(`${prefix}.bn.${name}`, [channels.out]));
  const normalized = graph.op('BatchNormalization', [conv, ...bn], { epsilon: BATCH_NORM_EPS }, prefix);
  return graph.op('Relu', [normalized], {}, prefix);
}

/** F.max_pool2d(kernel_size=3, stride=2): the stem's pools and the reduction blocks' pool branches. */
function maxPool3x3Stride2({ graph }: FidGraph, x: string, scope: string): string {
  return graph.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] }, scope);
}

/** The pool branches of the FID blocks: 3×3, stride 1, padding 1; averages leave the padding out (count_include_pad=False). */
function pool3x3Same({ graph }: FidGraph, x: string, kind: 'average' | 'max', scope: string): string {
  const attributes = { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] };
  return kind === 'max' ? graph.op('MaxPool', [x], attributes, scope) : graph.op('AveragePool', [x], { ...attributes, count_include_pad: 0 }, scope);
}

function concat({ graph }: FidGraph, branches: readonly string[], scope: string): string {
  return graph.op('Concat', branches, { axis: 1 }, scope);
}

/** FIDInceptionA (Mixed_5b..5d): torchvision's InceptionA, its pool branch's average without the padding. */
function fidInceptionA(g: FidGraph, x: string, prefix: string, inChannels: number, poolFeatures: number): string {
  const branch1x1 = basicConv2d(g, x, `${prefix}.branch1x1`, { in: inChannels, out: 64 }, [1, 1]);
  const b5 = basicConv2d(g, x, `${prefix}.branch5x5_1`, { in: inChannels, out: 48 }, [1, 1]);
  const branch5x5 = basicConv2d(g, b5, `${prefix}.branch5x5_2`, { in: 48, out: 64 }, [5, 5], { padding: [2, 2] });
  const d1 = basicConv2d(g, x, `${prefix}.branch3x3dbl_1`, { in: inChannels, out: 64 }, [1, 1]);
  const d2 = basicConv2d(g, d1, `${prefix}.branch3x3dbl_2`, { in: 64, out: 96 }, [3, 3], { padding: [1, 1] });
  const branch3x3dbl = basicConv2d(g, d2, `${prefix}.branch3x3dbl_3`, { in: 96, out: 96 }, [3, 3], { padding: [1, 1] });
  const pooled = pool3x3Same(g, x, 'average', `${prefix}.branch_pool`);
  const branchPool = basicConv2d(g, pooled, `${prefix}.branch_pool`, { in: inChannels, out: poolFeatures }, [1, 1]);
  return concat(g, [branch1x1, branch5x5, branch3x3dbl, branchPool], prefix);
}

/** InceptionB (Mixed_6a), torchvision's as is: 35×35 → 17×17. */
function inceptionB(g: FidGraph, x: string, prefix: string, inChannels: number): string {
  const branch3x3 = basicConv2d(g, x, `${prefix}.branch3x3`, { in: inChannels, out: 384 }, [3, 3], { stride: 2 });
  const d1 = basicConv2d(g, x, `${prefix}.branch3x3dbl_1`, { in: inChannels, out: 64 }, [1, 1]);
  const d2 = basicConv2d(g, d1, `${prefix}.branch3x3dbl_2`, { in: 64, out: 96 }, [3, 3], { padding: [1, 1] });
  const branch3x3dbl = basicConv2d(g, d2, `${prefix}.branch3x3dbl_3`, { in: 96, out: 96 }, [3, 3], { stride: 2 });
  const branchPool = maxPool3x3Stride2(g, x, `${prefix}.branch_pool`);
  return concat(g, [branch3x3, branch3x3dbl, branchPool], prefix);
}

/** FIDInceptionC (Mixed_6b..6e): factorised 7×7 convolutions; average pool without the padding. */
function fidInceptionC(g: FidGraph, x: string, prefix: string, c7: number): string {
  const wide = [1, 7] as const;
  const tall = [7, 1] as const;
  const widePad = { padding: [0, 3] } as const;
  const tallPad = { padding: [3, 0] } as const;
  const branch1x1 = basicConv2d(g, x, `${prefix}.branch1x1`, { in: 768, out: 192 }, [1, 1]);
  const s1 = basicConv2d(g, x, `${prefix}.branch7x7_1`, { in: 768, out: c7 }, [1, 1]);
  const s2 = basicConv2d(g, s1, `${prefix}.branch7x7_2`, { in: c7, out: c7 }, wide, widePad);
  const branch7x7 = basicConv2d(g, s2, `${prefix}.branch7x7_3`, { in: c7, out: 192 }, tall, tallPad);
  const d1 = basicConv2d(g, x, `${prefix}.branch7x7dbl_1`, { in: 768, out: c7 }, [1, 1]);
  const d2 = basicConv2d(g, d1, `${prefix}.branch7x7dbl_2`, { in: c7, out: c7 }, tall, tallPad);
  const d3 = basicConv2d(g, d2, `${prefix}.branch7x7dbl_3`, { in: c7, out: c7 }, wide, widePad);
  const d4 = basicConv2d(g, d3, `${prefix}.branch7x7dbl_4`, { in: c7, out: c7 }, tall, tallPad);
  const branch7x7dbl = basicConv2d(g, d4, `${prefix}.branch7x7dbl_5`, { in: c7, out: 192 }, wide, widePad);
  const pooled = pool3x3Same(g, x, 'average', `${prefix}.branch_pool`);
  const branchPool = basicConv2d(g, pooled, `${prefix}.branch_pool`, { in: 768, out: 192 }, [1, 1]);
  return concat(g, [branch1x1, branch7x7, branch7x7dbl, branchPool], prefix);
}

/** InceptionD (Mixed_7a), torchvision's as is: 17×17 → 8×8. */
function inceptionD(g: FidGraph, x: string, prefix: string): string {
  const t1 = basicConv2d(g, x, `${prefix}.branch3x3_1`, { in: 768, out: 192 }, [1, 1]);
  const branch3x3 = basicConv2d(g, t1, `${prefix}.branch3x3_2`, { in: 192, out: 320 }, [3, 3], { stride: 2 });
  const s1 = basicConv2d(g, x, `${prefix}.branch7x7x3_1`, { in: 768, out: 192 }, [1, 1]);
  const s2 = basicConv2d(g, s1, `${prefix}.branch7x7x3_2`, { in: 192, out: 192 }, [1, 7], { padding: [0, 3] });
  const s3 = basicConv2d(g, s2, `${prefix}.branch7x7x3_3`, { in: 192, out: 192 }, [7, 1], { padding: [3, 0] });
  const branch7x7x3 = basicConv2d(g, s3, `${prefix}.branch7x7x3_4`, { in: 192, out: 192 }, [3, 3], { stride: 2 });
  const branchPool = maxPool3x3Stride2(g, x, `${prefix}.branch_pool`);
  return concat(g, [branch3x3, branch7x7x3, branchPool], prefix);
}

/**
 * FIDInceptionE_1 (Mixed_7b, average pool without the padding) and FIDInceptionE_2 (Mixed_7c, a max pool: the
 * TensorFlow FID graph's quirk). Each 3×3 branch ends in a 1×3 and a 3×1 convolution side by side, concatenated.
 */
function fidInceptionE(g: FidGraph, x: string, prefix: string, inChannels: number, pool: 'average' | 'max'): string {
  const split = (input: string, name: string, channels: number): string =>
    concat(
      g,
      [
        basicConv2d(g, input, `${prefix}.${name}a`, { in: channels, out: 384 }, [1, 3], { padding: [0, 1] }),
        basicConv2d(g, input, `${prefix}.${name}b`, { in: channels, out: 384 }, [3, 1], { padding: [1, 0] }),
      ],
      `${prefix}.${name}`,
    );
  const branch1x1 = basicConv2d(g, x, `${prefix}.branch1x1`, { in: inChannels, out: 320 }, [1, 1]);
  const t1 = basicConv2d(g, x, `${prefix}.branch3x3_1`, { in: inChannels, out: 384 }, [1, 1]);
  const branch3x3 = split(t1, 'branch3x3_2', 384);
  const d1 = basicConv2d(g, x, `${prefix}.branch3x3dbl_1`, { in: inChannels, out: 448 }, [1, 1]);
  const d2 = basicConv2d(g, d1, `${prefix}.branch3x3dbl_2`, { in: 448, out: 384 }, [3, 3], { padding: [1, 1] });
  const branch3x3dbl = split(d2, 'branch3x3dbl_3', 384);
  const pooled = pool3x3Same(g, x, pool, `${prefix}.branch_pool`);
  const branchPool = basicConv2d(g, pooled, `${prefix}.branch_pool`, { in: inChannels, out: 192 }, [1, 1]);
  return concat(g, [branch1x1, branch3x3, branch3x3dbl, branchPool], prefix);
}

/** One entry of pytorch-fid's Inception state_dict. */
export interface FidInceptionStateDictEntry {
  readonly name: string;
  readonly dtype: 'F32' | 'I64';
  readonly shape: readonly number[];
}

/**
 * The 566 entries `fid_inception_v3()` loads, in torch's state_dict order (module registration order, which the
 * graph takes its weights in): per BasicConv2d `conv.weight`, `bn.weight`, `bn.bias`, `bn.running_mean`,
 * `bn.running_var`, `bn.num_batches_tracked` (int64, 0-d), then the 1008-class `fc.weight` and `fc.bias`.
 */
export function fidInceptionStateDict(): readonly FidInceptionStateDictEntry[] {
  const entries: FidInceptionStateDictEntry[] = [];
  for (const [name, shape] of assembleGraph(NO_WEIGHTS).weights.requested) {
    entries.push({ name, dtype: 'F32', shape });
    if (name.endsWith('.bn.running_var')) entries.push({ name: name.replace(/running_var$/, 'num_batches_tracked'), dtype: 'I64', shape: [] });
  }
  entries.push({ name: 'fc.weight', dtype: 'F32', shape: [1008, FID_INCEPTION_FEATURE_DIM] }, { name: 'fc.bias', dtype: 'F32', shape: [1008] });
  return entries;
}

/**
 * The graph `images` float32 [N, 3, 299, 299] → `features` float32 [N, 2048] over `weights`. Fails with a
 * CheckpointMismatchError listing every missing, mis-shaped or unexpected entry. Entries the pool3 graph does not
 * use are accepted when their shape is right: each BatchNorm's `num_batches_tracked` (absent from a converter's
 * plain dict, which pytorch-fid's strict load accepts too) and the `fc` classifier.
 */
export function buildFidInceptionGraph(weights: WeightsFile): GraphBuilder {
  const { graph, weights: taken } = assembleGraph(weights);
  const unused = new Map(fidInceptionStateDict().filter((e) => !taken.requested.has(e.name)).map((e) => [e.name, e.shape] as const));
  taken.assertComplete(unused, FID_INCEPTION_ARCHITECTURE);
  return graph;
}

function assembleGraph(weights: WeightsFile): FidGraph {
  const graph = new GraphBuilder();
  const g: FidGraph = { graph, weights: new CheckpointWeights(weights, graph) };
  const size = FID_INCEPTION_INPUT_SIZE;
  let x = graph.input({ name: 'images', dtype: 'FLOAT', shape: ['batch', 3, size, size] });
  // block 0: 299 → 149 → 147 → 147 → 73
  x = basicConv2d(g, x, 'Conv2d_1a_3x3', { in: 3, out: 32 }, [3, 3], { stride: 2 });
  x = basicConv2d(g, x, 'Conv2d_2a_3x3', { in: 32, out: 32 }, [3, 3]);
  x = basicConv2d(g, x, 'Conv2d_2b_3x3', { in: 32, out: 64 }, [3, 3], { padding: [1, 1] });
  x = maxPool3x3Stride2(g, x, 'maxpool1');
  // block 1: 73 → 73 → 71 → 35
  x = basicConv2d(g, x, 'Conv2d_3b_1x1', { in: 64, out: 80 }, [1, 1]);
  x = basicConv2d(g, x, 'Conv2d_4a_3x3', { in: 80, out: 192 }, [3, 3]);
  x = maxPool3x3Stride2(g, x, 'maxpool2');
  // block 2: 35×35 (192 → 256 → 288 → 288) → 17×17 (768)
  x = fidInceptionA(g, x, 'Mixed_5b', 192, 32);
  x = fidInceptionA(g, x, 'Mixed_5c', 256, 64);
  x = fidInceptionA(g, x, 'Mixed_5d', 288, 64);
  x = inceptionB(g, x, 'Mixed_6a', 288);
  x = fidInceptionC(g, x, 'Mixed_6b', 128);
  x = fidInceptionC(g, x, 'Mixed_6c', 160);
  x = fidInceptionC(g, x, 'Mixed_6d', 160);
  x = fidInceptionC(g, x, 'Mixed_6e', 192);
  // block 3: 8×8 (1280 → 2048 → 2048), then adaptive average pool to 1×1 and flatten
  x = inceptionD(g, x, 'Mixed_7a');
  x = fidInceptionE(g, x, 'Mixed_7b', 1280, 'average');
  x = fidInceptionE(g, x, 'Mixed_7c', 2048, 'max');
  const pooled = graph.op('GlobalAveragePool', [x], {}, 'avgpool');
  const features = graph.op('Flatten', [pooled], { axis: 1 }, 'avgpool');
  graph.output(features, { name: 'features', dtype: 'FLOAT', shape: ['batch', FID_INCEPTION_FEATURE_DIM] });
  return g;
}
