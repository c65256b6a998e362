/**
 * Turns the tensor views of a torch.save state_dict into weight tensors, whatever container holds the storages
 * (the zip format's `<archive>/data/<key>` entries, or the legacy format's storages after its pickles). A
 * C-contiguous view of a storage whose bytes lie in the file as they are stays a range of the file; a strided
 * view, or any view of a storage that must be decoded (a deflated zip entry), is copied out in C order on first read.
 */
import type { TorchTensorView } from './torch-state-dict.js';
import { WEIGHT_DTYPE_BYTES, WeightsFileError, elementCount, type WeightTensor } from './weights-file.js';

/** A strided view is copied into memory; one larger than this (an expand() of a huge shape) is refused. */
const MAX_COPY_BYTES = 2 ** 31;

/** One storage as its container holds it. */
export interface StorageBlob {
  /** How error messages name it: the zip entry's name, or "storage 'KEY'". */
  readonly label: string;
  readonly byteLength: number;
  /** Where its bytes start in the file when they lie there as they are; undefined when they must be decoded. */
  readonly fileOffset: number | undefined;
  /** Its bytes, read through a handle of its own (the reader's handle is closed by the time a deferred copy runs). */
  read(): Promise<Uint8Array>;
}

/**
 * Resolves tensor views against their storages (checked at once). A view that is not a plain file range is
 * copied on first read, from its storage read (and inflated) at most once: storages the graph never asks for are
 * never read (three unused 256 MB deflated storages used to cost 1.7 GB at load).
 */
export class StorageReader {
  private readonly seen = new Map<string, TorchTensorView>();
  private readonly contents = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly path: string,
    /** The storage of a key, or a reason why there is none. */
    private readonly lookup: (key: string) => StorageBlob | string,
  ) {}

  tensor(view: TorchTensorView): WeightTensor {
    const blob = this.storage(view);
    const itemBytes = WEIGHT_DTYPE_BYTES[view.dtype];
    const byteLength = elementCount(view.shape) * itemBytes;
    const { name, dtype, shape } = view;
    if (blob.fileOffset !== undefined && isContiguous(view.shape, view.stride)) {
      return { name, dtype, shape, source: { kind: 'file-range', offset: blob.fileOffset + view.storageOffset * itemBytes, byteLength } };
    }
    if (byteLength > MAX_COPY_BYTES) {
      throw new WeightsFileError(
        this.path,
        `tensor '${name}' is a strided view of ${byteLength} bytes, more than denoise copies (${MAX_COPY_BYTES}); save it contiguous (tensor.contiguous())`,
      );
    }
    const load = async (): Promise<Uint8Array> => gatherView(await this.content(blob), view, itemBytes);
    return { name, dtype, shape, source: { kind: 'deferred', byteLength, load } };
  }

  /** The storage of a view, after checking that the view lies inside it and agrees with other views of it. */
  private storage(view: TorchTensorView): StorageBlob {
    const fail = (reason: string): never => {
      throw new WeightsFileError(this.path, `tensor '${view.name}': ${reason}`);
    };
    const blob = this.lookup(view.storageKey);
    if (typeof blob === 'string') return fail(blob);
    const itemBytes = WEIGHT_DTYPE_BYTES[view.dtype];
    const first = this.seen.get(view.storageKey);
    if (first === undefined) {
      this.seen.set(view.storageKey, view);
      if (blob.byteLength !== view.storageNumel * itemBytes) {
        fail(`storage '${blob.label}' holds ${blob.byteLength} bytes, but ${view.storageNumel} ${view.dtype} elements need ${view.storageNumel * itemBytes}`);
      }
    } else if (first.dtype !== view.dtype || first.storageNumel !== view.storageNumel) {
      fail(`storage '${blob.label}' is ${view.storageNumel} ${view.dtype} here but ${first.storageNumel} ${first.dtype} for '${first.name}'`);
    }
    if (view.shape.some((size) => size === 0)) {
      if (view.storageOffset > view.storageNumel) fail(`storage offset ${view.storageOffset} is past the storage's ${view.storageNumel} elements`);
      return blob;
    }
    const last = view.shape.reduce((sum, size, i) => sum + (size - 1) * view.stride[i]!, view.storageOffset);
    if (!Number.isSafeInteger(last) || last >= view.storageNumel) {
      fail(
        `shape [${view.shape.join(', ')}] with stride [${view.stride.join(', ')}] from offset ${view.storageOffset} reaches element ${last}, ` +
          `past the storage's ${view.storageNumel}`,
      );
    }
    return blob;
  }

  private content(blob: StorageBlob): Promise<Uint8Array> {
    let bytes = this.contents.get(blob.label);
    if (bytes === undefined) {
      bytes = blob.read();
      this.contents.set(blob.label, bytes);
    }
    return bytes;
  }
}

/** C-contiguous as torch's is_contiguous sees it: dimensions of size 1 may have any stride, empty tensors are. */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  if (shape.includes(0)) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Copies a strided view out of its storage in C order (element-wise along the last dimension when it is strided). */
function gatherView(storage: Uint8Array, view: TorchTensorView, itemBytes: number): Uint8Array {
  const { shape, stride } = view;
  const out = new Uint8Array(elementCount(shape) * itemBytes);
  if (out.length === 0) return out;
  const rank = shape.length;
  const innerSize = rank === 0 ? 1 : shape[rank - 1]!;
  const innerStride = rank === 0 ? 1 : stride[rank - 1]!;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let written = 0;
  for (;;) {
    let element = view.storageOffset;
    for (let d = 0; d < index.length; d++) element += index[d]! * stride[d]!;
    if (innerStride === 1) {
      out.set(storage.subarray(element * itemBytes, (element + innerSize) * itemBytes), written);
      written += innerSize * itemBytes;
    } else {
      for (let i = 0; i < innerSize; i++, written += itemBytes) {
        const at = (element + i * innerStride) * itemBytes;
        out.set(storage.subarray(at, at + itemBytes), written);
      }
    }
    // Odometer over the outer dimensions.
    let d = index.length - 1;
    for (; d >= 0; d--) {
      index[d] = index[d]! + 1;
      if (index[d] !== shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}
