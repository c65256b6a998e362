import type { GraphBuilder } from './onnx-graph.js';
import type { OnnxDtypeName } from './onnx-proto.js';
import type { WeightDtype, WeightTensor, WeightsFile } from './weights-file.js';

/** A weights file that does not fit the config: each problem names the weight by its full state_dict name. */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError';
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
    /** What the weights were checked against: the component's config.json, or a fixed architecture. */
    readonly expected = 'config.json',
  ) {
    const shown = problems.slice(0, 12).join('\n  ');
    const more = problems.length > 12 ? `\n  … and ${problems.length - 12} more (in all: ${tally(problems)})` : '';
    super(`${path}: the weights do not fit ${expected}:\n  ${shown}${more}`);
  }
}

/**
 * Names diffusers used before 0.14 for the attention of UNet2DModel's blocks; the google/ddpm-* checkpoints
 * were converted then. diffusers renames them on load; so does this (current name → legacy name).
 */
const LEGACY_ATTENTION_NAMES: readonly [string, string][] = [
  ['.to_q.', '.query.'],
  ['.to_k.', '.key.'],
  ['.to_v.', '.value.'],
  ['.to_out.0.', '.proj_attn.'],
];

/** The weights of one module of the checkpoint, taken by names relative to it (torch's module tree). */
export interface ModuleWeights {
  /** The float32 graph value of weight `name`, whose shape must be `shape`. */
  take(name: string, shape: readonly number[]): string;
}

const FLOAT_DTYPES: Partial<Record<WeightDtype, OnnxDtypeName>> = { F32: 'FLOAT', F16: 'FLOAT16', BF16: 'BFLOAT16', F64: 'DOUBLE' };

/**
 * The checkpoint's tensors as the graph builder takes them: by their current diffusers name (falling back to the
 * legacy attention name), with the expected shape checked. Float16/bfloat16/float64 weights are cast to float32
 * in the graph (onnxruntime folds the cast once at session creation). Every problem is collected, so one error
 * lists all missing, mis-shaped and unexpected weights.
 */
export class CheckpointWeights implements ModuleWeights {
  private readonly used = new Set<string>();
  private readonly problems: string[] = [];
  private readonly values = new Map<string, string>();
  /** Every weight the graph asked for, with its expected shape, in the order of the forward pass. */
  readonly requested = new Map<string, readonly number[]>();

  constructor(
    readonly file: WeightsFile,
    private readonly graph: GraphBuilder,
  ) {}

  /** The float32 graph value of weight `name`, whose shape must be `shape`. */
  take(name: string, shape: readonly number[]): string {
    const cached = this.values.get(name);
    if (cached) return cached;
    this.requested.set(name, shape);
    const tensor = this.find(name);
    if (!tensor) {
      this.problems.push(`missing weight '${name}' (expected shape [${shape.join(', ')}])`);
      return this.placeholder(name);
    }
    this.used.add(tensor.name);
    if (!sameShape(tensor.shape, shape)) {
      this.problems.push(`weight '${tensor.name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
      return this.placeholder(name);
    }
    const dtype = FLOAT_DTYPES[tensor.dtype];
    if (!dtype) {
      this.problems.push(`weight '${tensor.name}' is ${tensor.dtype}; weights must be F32, F16, BF16 or F64`);
      return this.placeholder(name);
    }
    const stored = this.graph.initializer({ name: tensor.name, dtype, dims: tensor.shape, data: { kind: 'weights-file', tensorName: tensor.name } });
    const value = dtype === 'FLOAT' ? stored : this.graph.op('Cast', [stored], { to: 1 }, tensor.name);
    this.values.set(name, value);
    return value;
  }

  /** The weights under `prefix` (e.g. 'decoder.'), taken by the names the module's own state_dict gives them. */
  module(prefix: string): ModuleWeights {
    return { take: (name, shape) => this.take(`${prefix}${name}`, shape) };
  }

  /** Whether the checkpoint has `name` (or its legacy name), for parts whose presence the weights decide. */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /**
   * Accepts tensor `name` without using it, when the file has it: a buffer an older save wrote that the model
   * rebuilds itself (transformers drops it on load).
   */
  ignore(name: string): void {
    if (this.file.tensors.has(name)) this.used.add(name);
  }

  /**
   * Fails with every problem found, including weights that no part of the config uses. A graph that builds one part
   * of a model (the VAE's decoder) passes `elsewhere`, the state_dict of the parts it does not build: a weight the
   * graph did not take is then accepted only if `elsewhere` lists it with its shape, so a misspelt or extra weight
   * anywhere in the checkpoint is still refused, but the other part's weights are not "unexpected".
   */
  assertComplete(elsewhere: ReadonlyMap<string, readonly number[]> = new Map(), expected?: string): void {
    const problems = [...this.problems];
    for (const tensor of this.file.tensors.values()) {
      if (this.used.has(tensor.name)) continue;
      const expected = elsewhere.get(currentName(tensor.name));
      if (!expected) problems.push(`unexpected weight '${tensor.name}': no part of this config uses it`);
      else if (!sameShape(tensor.shape, expected)) problems.push(`weight '${tensor.name}' has shape [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`);
    }
    if (problems.length > 0) throw new CheckpointMismatchError(this.file.path, problems, expected);
  }

  private find(name: string): WeightTensor | undefined {
    const direct = this.file.tensors.get(name);
    if (direct) return direct;
    for (const [current, legacy] of LEGACY_ATTENTION_NAMES) {
      if (name.includes(current)) return this.file.tensors.get(name.replace(current, legacy));
    }
    return undefined;
  }

  /** Keeps building after a problem so that all problems are reported at once; the graph is never encoded. */
  private placeholder(name: string): string {
    const value = this.graph.constant('FLOAT', [0], []);
    this.values.set(name, value);
    return value;
  }
}

/** '470 missing, 240 unexpected, 1 mis-shaped, 2 of another dtype': the kinds of problem counted, for a long list. */
function tally(problems: readonly string[]): string {
  const count = (test: (p: string) => boolean): number => problems.filter(test).length;
  const kinds: [string, number][] = [
    ['missing', count((p) => p.startsWith('missing '))],
    ['unexpected', count((p) => p.startsWith('unexpected '))],
    ['mis-shaped', count((p) => p.includes(' has shape '))],
  ];
  const other = problems.length - kinds.reduce((n, [, k]) => n + k, 0);
  if (other > 0) kinds.push(['other', other]);
  return kinds.filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`).join(', ');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A stored name in diffusers' current spelling (legacy attention names renamed). */
function currentName(stored: string): string {
  for (const [current, legacy] of LEGACY_ATTENTION_NAMES) {
    if (stored.includes(legacy)) return stored.replace(legacy, current);
  }
  return stored;
}
