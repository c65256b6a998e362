import { attributeKind, ONNX_OPS, type OpAttributes, type OpType } from './onnx-ops.js';
import { ONNX_ATTRIBUTE_TYPE, ONNX_DTYPE, type OnnxDtypeName } from './onnx-proto.js';

/** An attribute as stored on a node; its encoding comes from the operator's schema (ONNX_OPS). */
export type AttributeValue = number | string | readonly number[];

export interface GraphNode {
  readonly opType: OpType;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** Where an initializer's bytes come from when the model is encoded. */
export type InitializerData =
  | { readonly kind: 'inline'; readonly bytes: Uint8Array }
  | { readonly kind: 'weights-file'; readonly tensorName: string };

export interface GraphInitializer {
  readonly name: string;
  readonly dtype: OnnxDtypeName;
  readonly dims: readonly number[];
  readonly data: InitializerData;
}

export interface GraphValueInfo {
  readonly name: string;
  readonly dtype: OnnxDtypeName;
  /** A number for a fixed dimension, a string for a symbolic one. */
  readonly shape: readonly (number | string)[];
}

/**
 * What the graph is built for. `fusedAttention` (default true): attention without a score bias as onnxruntime's
 * MultiHeadAttention contrib kernel — faster on CPU; the WebGPU provider's kernel drifts from the CPU one by ~1e-2
 * (seen on Mesa's lavapipe), so WebGPU graphs use standard operators.
 */
export interface GraphOptions {
  readonly fusedAttention?: boolean;
  /** UNets: also output DeepCache's deep feature at this branch (see DeepCacheTap), for the shallow forward to reuse. */
  readonly deepCacheBranch?: number;
}

/**
 * Collects nodes and initializers of one ONNX graph, with generated value names. The UNet blocks call it in
 * the order of diffusers' forward pass, so the node list reads like the module tree.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers: GraphInitializer[] = [];
  readonly inputs: GraphValueInfo[] = [];
  readonly outputs: GraphValueInfo[] = [];
  private readonly counters = new Map<string, number>();
  private readonly constants = new Map<string, string>();

  constructor(readonly options: GraphOptions = {}) {}

  /** Adds a node and returns the name of its (first) output. */
  op<K extends OpType>(opType: K, inputs: readonly string[], attributes: OpAttributes<K> = {}, scope = ''): string {
    return this.opMulti(opType, inputs, 1, attributes, scope)[0]!;
  }

  opMulti<K extends OpType>(opType: K, inputs: readonly string[], outputCount: number, attributes: OpAttributes<K> = {}, scope = ''): string[] {
    const base = this.uniqueName(scope ? `${scope}/${opType}` : opType);
    const outputs = Array.from({ length: outputCount }, (_, i) => (outputCount === 1 ? base : `${base}:${i}`));
    const stored = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<string, AttributeValue>;
    this.nodes.push({ opType, domain: ONNX_OPS[opType].domain, inputs, outputs, attributes: stored });
    return outputs;
  }

  /** A small constant, deduplicated by value. */
  constant(dtype: 'FLOAT' | 'INT64', dims: readonly number[], values: readonly number[]): string {
    const key = `${dtype}[${dims.join(',')}]=${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.uniqueName('const');
    const bytes =
      dtype === 'FLOAT'
        ? new Uint8Array(Float32Array.from(values).buffer)
        : new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    this.initializers.push({ name, dtype, dims, data: { kind: 'inline', bytes } });
    this.constants.set(key, name);
    return name;
  }

  initializer(init: GraphInitializer): string {
    this.initializers.push(init);
    return init.name;
  }

  input(info: GraphValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  output(value: string, info: GraphValueInfo): void {
    const last = this.nodes.findLast((n) => n.outputs.includes(value));
    if (!last) throw new Error(`internal error: graph output '${value}' is produced by no node`);
    // Rename the producing node's output so the graph output has its public name.
    const renamed = last.outputs.map((o) => (o === value ? info.name : o));
    this.nodes[this.nodes.lastIndexOf(last)] = { ...last, outputs: renamed };
    this.outputs.push(info);
  }

  private uniqueName(base: string): string {
    const n = this.counters.get(base) ?? 0;
    this.counters.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

/** The ModelProto JSON object (protobufjs field names) of a node's attributes, each encoded as its schema says. */
export function encodeAttributes(node: GraphNode): Record<string, unknown>[] {
  return Object.entries(node.attributes).map(([name, value]) => {
    switch (attributeKind(node.opType, name)) {
      case 'string':
        return { name, type: ONNX_ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value as string) };
      case 'int':
        return { name, type: ONNX_ATTRIBUTE_TYPE.INT, i: value as number };
      case 'ints':
        return { name, type: ONNX_ATTRIBUTE_TYPE.INTS, ints: value as readonly number[] };
      case 'float':
        return { name, type: ONNX_ATTRIBUTE_TYPE.FLOAT, f: value as number };
      case 'floats':
        return { name, type: ONNX_ATTRIBUTE_TYPE.FLOATS, floats: value as readonly number[] };
    }
  });
}

export function onnxDtype(name: OnnxDtypeName): number {
  return ONNX_DTYPE[name];
}
