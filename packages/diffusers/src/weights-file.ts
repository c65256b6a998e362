/**
 * A weights file as the graph builder sees it: named tensors and where their bytes are. Both readers
 * (safetensors, legacy PyTorch `.bin`) produce this, after validating the file's structure.
 */

/** Element types, spelled as safetensors spells them. */
export type WeightDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const WEIGHT_DTYPE_BYTES: Readonly<Record<WeightDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/**
 * Where a tensor's bytes are: little-endian, C-contiguous, exactly product(shape) × dtype size bytes.
 * 'file-range': a range of the weights file itself (onnxruntime can read it as external data, no copy in JS); `file`
 * names the shard holding it when the checkpoint is sharded (absent: the WeightsFile's own path).
 * 'bytes': already in memory.
 * 'deferred': copied on first read (a legacy `.bin` tensor that is a strided view or sits in a compressed entry), so
 * that storages the graph never asks for are never inflated.
 */
export type WeightSource =
  | { readonly kind: 'file-range'; readonly offset: number; readonly byteLength: number; readonly file?: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'deferred'; readonly byteLength: number; load(): Promise<Uint8Array> };

export interface WeightTensor {
  readonly name: string;
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
  readonly source: WeightSource;
}

export interface WeightsFile {
  /** Absolute path of the file (of a sharded checkpoint: its index, each tensor naming its shard). */
  readonly path: string;
  readonly format: 'safetensors' | 'torch-bin';
  readonly sizeBytes: number;
  /** In the file's order. */
  readonly tensors: ReadonlyMap<string, WeightTensor>;
}

/** A weights file that cannot be used: truncated, inconsistent, or asking to run code. */
export class WeightsFileError extends Error {
  override readonly name = 'WeightsFileError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${reason}`, options);
  }
}

/** A weights file with no tensors: assembling a graph over it lists the weights the graph asks for (their names and shapes). */
export const NO_WEIGHTS: WeightsFile = { path: '(none)', format: 'safetensors', sizeBytes: 0, tensors: new Map() };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
