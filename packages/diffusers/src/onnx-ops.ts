/**
 * The ONNX operators the graph builders use, each with its domain and the kinds of its attributes (opset 17 and
 * onnxruntime's com.microsoft contrib domain). GraphBuilder.op is typed by this table, so a misspelt operator, a
 * misspelt attribute or an attribute of the wrong kind fails to compile instead of failing when onnxruntime loads
 * the graph; the attribute kind also decides the encoding (an integral epsilon is still a FLOAT).
 */
type AttributeKind = 'int' | 'ints' | 'float' | 'floats' | 'string';

interface OpSchema {
  readonly domain: '' | 'com.microsoft';
  readonly attributes: Readonly<Record<string, AttributeKind>>;
}

const none = {} as const;

export const ONNX_OPS = {
  Add: { domain: '', attributes: none },
  Sub: { domain: '', attributes: none },
  Mul: { domain: '', attributes: none },
  Div: { domain: '', attributes: none },
  Pow: { domain: '', attributes: none },
  Sqrt: { domain: '', attributes: none },
  Exp: { domain: '', attributes: none },
  Log: { domain: '', attributes: none },
  Sin: { domain: '', attributes: none },
  Cos: { domain: '', attributes: none },
  Erf: { domain: '', attributes: none },
  Tanh: { domain: '', attributes: none },
  Sigmoid: { domain: '', attributes: none },
  Softplus: { domain: '', attributes: none },
  Clip: { domain: '', attributes: none },
  Max: { domain: '', attributes: none },
  Min: { domain: '', attributes: none },
  Where: { domain: '', attributes: none },
  Equal: { domain: '', attributes: none },
  MatMul: { domain: '', attributes: none },
  Gemm: { domain: '', attributes: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' } },
  Conv: { domain: '', attributes: { kernel_shape: 'ints', strides: 'ints', pads: 'ints', dilations: 'ints', group: 'int' } },
  AveragePool: { domain: '', attributes: { kernel_shape: 'ints', strides: 'ints', pads: 'ints', count_include_pad: 'int' } },
  MaxPool: { domain: '', attributes: { kernel_shape: 'ints', strides: 'ints', pads: 'ints', ceil_mode: 'int' } },
  GlobalAveragePool: { domain: '', attributes: none },
  BatchNormalization: { domain: '', attributes: { epsilon: 'float', momentum: 'float' } },
  Relu: { domain: '', attributes: none },
  Flatten: { domain: '', attributes: { axis: 'int' } },
  InstanceNormalization: { domain: '', attributes: { epsilon: 'float' } },
  LayerNormalization: { domain: '', attributes: { axis: 'int', epsilon: 'float' } },
  Softmax: { domain: '', attributes: { axis: 'int' } },
  ReduceMean: { domain: '', attributes: { axes: 'ints', keepdims: 'int' } },
  ArgMax: { domain: '', attributes: { axis: 'int', keepdims: 'int', select_last_index: 'int' } },
  Reshape: { domain: '', attributes: none },
  Transpose: { domain: '', attributes: { perm: 'ints' } },
  Unsqueeze: { domain: '', attributes: none },
  Squeeze: { domain: '', attributes: none },
  Concat: { domain: '', attributes: { axis: 'int' } },
  Split: { domain: '', attributes: { axis: 'int' } },
  Slice: { domain: '', attributes: none },
  Gather: { domain: '', attributes: { axis: 'int' } },
  GatherElements: { domain: '', attributes: { axis: 'int' } },
  Shape: { domain: '', attributes: { start: 'int', end: 'int' } },
  Expand: { domain: '', attributes: none },
  Pad: { domain: '', attributes: { mode: 'string' } },
  Cast: { domain: '', attributes: { to: 'int' } },
  Resize: { domain: '', attributes: { mode: 'string', coordinate_transformation_mode: 'string', nearest_mode: 'string' } },
  Trilu: { domain: '', attributes: { upper: 'int' } },
  Range: { domain: '', attributes: none },
  Identity: { domain: '', attributes: none },
  // Static int8 (QDQ format): per-tensor, or per-channel along `axis` (opset 13+); see qdq-graph.ts.
  QuantizeLinear: { domain: '', attributes: { axis: 'int' } },
  DequantizeLinear: { domain: '', attributes: { axis: 'int' } },
  // onnxruntime's fused attention (contrib): softmax(Q·Kᵀ · scale) · V per head on [B, S, heads · D] tokens.
  MultiHeadAttention: { domain: 'com.microsoft', attributes: { num_heads: 'int', scale: 'float', mask_filter_value: 'float', unidirectional: 'int' } },
} as const satisfies Record<string, OpSchema>;

export type OpType = keyof typeof ONNX_OPS;

interface AttributeValueOf {
  int: number;
  ints: readonly number[];
  float: number;
  floats: readonly number[];
  string: string;
}

/** The attributes operator `K` takes, every one optional (ONNX defaults apply), each of its kind's type. */
export type OpAttributes<K extends OpType> = {
  readonly [A in keyof (typeof ONNX_OPS)[K]['attributes']]?: AttributeValueOf[(typeof ONNX_OPS)[K]['attributes'][A] & AttributeKind];
};

/** The kind of attribute `name` of operator `opType` (the table is the one source of attribute encodings). */
export function attributeKind(opType: OpType, name: string): AttributeKind {
  const kind = (ONNX_OPS[opType].attributes as Readonly<Record<string, AttributeKind>>)[name];
  if (!kind) throw new Error(`internal error: operator ${opType} has no attribute '${name}'`);
  return kind;
}
