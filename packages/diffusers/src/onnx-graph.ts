import { ONNX_ATTRIBUTE_TYPE, ONNX_DTYPE, type OnnxDtypeName } from './onnx-proto.js';

/** An attribute value: numbers are INT when integral unless wrapped with `float()`. */
export type AttributeValue = number | string | readonly number[] | { readonly float: number } | { readonly floats: readonly number[] };

/** Marks a number as a FLOAT attribute even when it is integral. */
export const float = (value: number): AttributeValue => ({ float: value });

export interface GraphNode {
  readonly opType: string;
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

  /** Adds a node and returns the name of its (first) output. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, scope = '', domain = ''): string {
    return this.opMulti(opType, inputs, 1, attributes, scope, domain)[0]!;
  }

  opMulti(opType: string, inputs: readonly string[], outputCount: number, attributes: Record<string, AttributeValue> = {}, scope = '', domain = ''): string[] {
    const base = this.uniqueName(scope ? `${scope}/${opType}` : opType);
    const outputs = Array.from({ length: outputCount }, (_, i) => (outputCount === 1 ? base : `${base}:${i}`));
    this.nodes.push({ opType, domain, inputs, outputs, attributes });
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

/** The ModelProto JSON object (protobufjs field names) of a graph node's attributes. */
export function encodeAttributes(attributes: Readonly<Record<string, AttributeValue>>): Record<string, unknown>[] {
  return Object.entries(attributes).map(([name, value]) => {
    if (typeof value === 'string') return { name, type: ONNX_ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
    if (typeof value === 'number') return { name, type: ONNX_ATTRIBUTE_TYPE.INT, i: value };
    if (Array.isArray(value)) return { name, type: ONNX_ATTRIBUTE_TYPE.INTS, ints: value };
    if ('float' in (value as object)) return { name, type: ONNX_ATTRIBUTE_TYPE.FLOAT, f: (value as { float: number }).float };
    return { name, type: ONNX_ATTRIBUTE_TYPE.FLOATS, floats: (value as { floats: readonly number[] }).floats };
  });
}

export function onnxDtype(name: OnnxDtypeName): number {
  return ONNX_DTYPE[name];
}
