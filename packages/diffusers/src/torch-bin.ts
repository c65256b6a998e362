/**
 * Reads a legacy PyTorch `.bin` (torch.save of a state_dict, the zip format of torch ≥ 1.6) without running
 * its pickle: `<archive>/data.pkl` goes through the restricted unpickler, each tensor becomes a view of a
 * storage entry `<archive>/data/<key>`, checked against it. A C-contiguous view of a stored entry stays a range
 * of the file; a strided view, or any view of a deflated entry, is copied out in C order.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readFileRange } from './read-file-range.js';
import { unpickle } from './restricted-unpickler.js';
import { readTorchStateDict, type TorchTensorView } from './torch-state-dict.js';
import { WEIGHT_DTYPE_BYTES, WeightsFileError, elementCount, type WeightTensor, type WeightsFile } from './weights-file.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip-archive.js';

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04], // a local file header
  [0x50, 0x4b, 0x05, 0x06], // the end record of an empty archive
];
/** What torch.save wrote before 1.6: PROTO 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
/** data.pkl only describes tensors (~150 bytes each); a bigger one is not a state_dict, or a zip bomb. */
const MAX_PICKLE_BYTES = 256 * 2 ** 20;
/** A strided view is copied into memory; one larger than this (an expand() of a huge shape) is refused. */
const MAX_COPY_BYTES = 2 ** 31;
const RESAVE_ADVICE = 're-save it with a current torch (torch.save(torch.load(path, weights_only=True), path)) or convert it to safetensors';

/** Reads and validates a torch.save state_dict; nothing in the file is executed. */
export async function readTorchBin(path: string): Promise<WeightsFile> {
  const absolute = resolve(path);
  const handle = await open(absolute, 'r');
  try {
    const { size } = await handle.stat();
    await checkSignature(handle, absolute, size);
    const entries = await readZipDirectory(handle, absolute, size);
    const archive = archiveFolder(absolute, entries);
    await checkByteOrder(handle, absolute, entries.get(`${archive}/byteorder`));
    const pickleEntry = entries.get(`${archive}/data.pkl`)!;
    if (pickleEntry.uncompressedSize > MAX_PICKLE_BYTES) {
      throw new WeightsFileError(
        absolute,
        `'${pickleEntry.name}' is ${pickleEntry.uncompressedSize} bytes, more than a state_dict's pickle (limit ${MAX_PICKLE_BYTES})`,
      );
    }
    const root = unpickle(await readZipEntry(handle, absolute, pickleEntry), { path: absolute, member: pickleEntry.name });
    const views = readTorchStateDict(root, absolute, pickleEntry.name);
    const storages = new StorageReader(absolute, archive, entries);
    const tensors = new Map<string, WeightTensor>();
    for (const view of views) tensors.set(view.name, storages.tensor(view));
    return { path: absolute, format: 'torch-bin', sizeBytes: size, tensors };
  } finally {
    await handle.close();
  }
}

async function checkSignature(handle: FileHandle, path: string, size: number): Promise<void> {
  if (size === 0) throw new WeightsFileError(path, 'is empty (0 bytes), not a PyTorch zip archive');
  const head = await readFileRange(handle, path, 0, Math.min(size, 16), 'the file signature');
  const startsWith = (prefix: readonly number[]): boolean => prefix.every((byte, i) => head[i] === byte);
  if (ZIP_SIGNATURES.some(startsWith)) return;
  if (startsWith(LEGACY_MAGIC)) {
    throw new WeightsFileError(
      path,
      `is in the legacy PyTorch format (torch < 1.6, or _use_new_zipfile_serialization=False), which denoise does not read: ${RESAVE_ADVICE}`,
    );
  }
  const shown = [...head.subarray(0, 8)].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  throw new WeightsFileError(path, `is not a PyTorch zip archive: it starts with '${shown}', not the zip signature 'PK\\x03\\x04'`);
}

/** torch names the top folder after the file (or 'archive'); find it by its one data.pkl. */
function archiveFolder(path: string, entries: ReadonlyMap<string, ZipEntry>): string {
  const folders = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name)).map((name) => name.slice(0, -'/data.pkl'.length));
  if (folders.length !== 1) {
    throw new WeightsFileError(
      path,
      folders.length === 0
        ? 'is a zip archive but not a torch.save file: it has no <folder>/data.pkl'
        : `holds ${folders.length} torch archives (${folders.join(', ')}); a torch.save file has one`,
    );
  }
  return folders[0]!;
}

async function checkByteOrder(handle: FileHandle, path: string, entry: ZipEntry | undefined): Promise<void> {
  if (entry === undefined) return; // torch < 2.1 writes none, and only little-endian files were read back
  if (entry.uncompressedSize > 16) throw new WeightsFileError(path, `'${entry.name}' is ${entry.uncompressedSize} bytes, not 'little' or 'big'`);
  const order = new TextDecoder().decode(await readZipEntry(handle, path, entry));
  if (order === 'little') return;
  throw new WeightsFileError(
    path,
    order === 'big'
      ? `was written on a big-endian machine ('${entry.name}' says 'big'); denoise reads little-endian tensors only: ` +
          're-save it on a little-endian machine, or convert it to safetensors'
      : `'${entry.name}' says ${JSON.stringify(order)}, not 'little' or 'big'`,
  );
}

/**
 * Resolves tensor views against their storage entries (checked at once). A view that is not a plain file range is
 * copied on first read, from its storage read (and inflated) at most once: storages the graph never asks for are
 * never inflated (three unused 256 MB deflated storages used to cost 1.7 GB at load).
 */
class StorageReader {
  private readonly seen = new Map<string, TorchTensorView>();
  private readonly contents = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly path: string,
    private readonly archive: string,
    private readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  tensor(view: TorchTensorView): WeightTensor {
    const entry = this.storageEntry(view);
    const itemBytes = WEIGHT_DTYPE_BYTES[view.dtype];
    const byteLength = elementCount(view.shape) * itemBytes;
    const { name, dtype, shape } = view;
    if (entry.method === 'stored' && isContiguous(view.shape, view.stride)) {
      return { name, dtype, shape, source: { kind: 'file-range', offset: entry.dataOffset + view.storageOffset * itemBytes, byteLength } };
    }
    if (byteLength > MAX_COPY_BYTES) {
      throw new WeightsFileError(
        this.path,
        `tensor '${name}' is a strided view of ${byteLength} bytes, more than denoise copies (${MAX_COPY_BYTES}); save it contiguous (tensor.contiguous())`,
      );
    }
    const load = async (): Promise<Uint8Array> => gatherView(await this.content(entry), view, itemBytes);
    return { name, dtype, shape, source: { kind: 'deferred', byteLength, load } };
  }

  /** The storage entry of a view, after checking that the view lies inside it and agrees with other views of it. */
  private storageEntry(view: TorchTensorView): ZipEntry {
    const fail = (reason: string): never => {
      throw new WeightsFileError(this.path, `tensor '${view.name}': ${reason}`);
    };
    const entryName = `${this.archive}/data/${view.storageKey}`;
    const entry = this.entries.get(entryName);
    if (entry === undefined) return fail(`its storage '${entryName}' is not in the archive`);
    const itemBytes = WEIGHT_DTYPE_BYTES[view.dtype];
    const first = this.seen.get(view.storageKey);
    if (first === undefined) {
      this.seen.set(view.storageKey, view);
      if (entry.uncompressedSize !== view.storageNumel * itemBytes) {
        fail(`storage '${entryName}' holds ${entry.uncompressedSize} bytes, but ${view.storageNumel} ${view.dtype} elements need ${view.storageNumel * itemBytes}`);
      }
    } else if (first.dtype !== view.dtype || first.storageNumel !== view.storageNumel) {
      fail(`storage '${entryName}' is ${view.storageNumel} ${view.dtype} here but ${first.storageNumel} ${first.dtype} for '${first.name}'`);
    }
    if (view.shape.some((size) => size === 0)) {
      if (view.storageOffset > view.storageNumel) fail(`storage offset ${view.storageOffset} is past the storage's ${view.storageNumel} elements`);
      return entry;
    }
    const last = view.shape.reduce((sum, size, i) => sum + (size - 1) * view.stride[i]!, view.storageOffset);
    if (!Number.isSafeInteger(last) || last >= view.storageNumel) {
      fail(
        `shape [${view.shape.join(', ')}] with stride [${view.stride.join(', ')}] from offset ${view.storageOffset} reaches element ${last}, ` +
          `past the storage's ${view.storageNumel}`,
      );
    }
    return entry;
  }

  /** A storage's bytes, read through a handle of its own: the one readTorchBin opened is closed by then. */
  private content(entry: ZipEntry): Promise<Uint8Array> {
    let bytes = this.contents.get(entry.name);
    if (bytes === undefined) {
      bytes = (async () => {
        const handle = await open(this.path, 'r');
        try {
          return await readZipEntry(handle, this.path, entry);
        } finally {
          await handle.close();
        }
      })();
      this.contents.set(entry.name, bytes);
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
