/**
 * torch's legacy serialization (torch.save before 1.6, or with _use_new_zipfile_serialization=False), as
 * torch/serialization.py `_legacy_save` writes it: five pickles back to back (the magic number
 * 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys_info dict, the object whose tensors name their storages
 * by persistent id, the list of storage keys), then for each key of that list, in its order, the storage: an int64
 * little-endian element count and the elements, little-endian whatever machine wrote them. Everything is checked
 * against the file's size before anything is allocated; the storages must be exactly those the pickle referenced.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { describePickleValue, isPickleKind, type PickleValue } from './pickle-value.js';
import { readFileRange } from './read-file-range.js';
import { PickleTruncatedError, unpickleAt } from './restricted-unpickler.js';
import { readTorchStateDict, type TorchTensorView } from './torch-state-dict.js';
import { StorageReader, type StorageBlob } from './torch-storages.js';
import { WEIGHT_DTYPE_BYTES, WeightsFileError, type WeightTensor } from './weights-file.js';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
/** The pickles are read from a prefix of the file that grows from this size until they fit. */
const FIRST_READ_BYTES = 2 ** 20;
const STORAGE_COUNT_BYTES = 8;

/** The tensors of a legacy torch.save state_dict, in the pickle's order. */
export async function readLegacyTorchStateDict(
  handle: FileHandle,
  path: string,
  size: number,
  maxPickleBytes: number,
): Promise<Map<string, WeightTensor>> {
  const { views, keys, storagesStart } = await readPickles(handle, path, size, maxPickleBytes);
  const blobs = await readStorageTable(handle, path, size, views, keys, storagesStart);
  const storages = new StorageReader(path, (key) => blobs.get(key) ?? `its storage '${key}' is not in the file's list of storages`);
  const tensors = new Map<string, WeightTensor>();
  for (const view of views) tensors.set(view.name, storages.tensor(view));
  return tensors;
}

/** Reads the five pickles from a prefix of the file, reading more of it while the pickles run past what was read. */
async function readPickles(handle: FileHandle, path: string, size: number, maxPickleBytes: number) {
  const limit = Math.min(size, maxPickleBytes);
  for (let length = Math.min(limit, FIRST_READ_BYTES); ; length = Math.min(limit, length * 4)) {
    const bytes = await readFileRange(handle, path, 0, length, 'the pickles of the legacy format');
    try {
      return parsePickles(bytes, path);
    } catch (error) {
      if (!(error instanceof PickleTruncatedError) || length === size) throw error;
      if (length === limit) {
        throw new WeightsFileError(path, `is in the legacy PyTorch format, but its pickles run past ${maxPickleBytes} bytes, more than a state_dict's`, {
          cause: error,
        });
      }
    }
  }
}

function parsePickles(bytes: Uint8Array, path: string): { views: TorchTensorView[]; keys: string[]; storagesStart: number } {
  const read = (start: number, member: string) => unpickleAt(bytes, start, { path, member });
  const magic = read(0, 'legacy pickle 1 (magic number)');
  if (magic.value !== MAGIC_NUMBER) {
    throw new WeightsFileError(path, `starts with a pickle of ${describePickleValue(magic.value)}, not torch's magic number 0x1950a86a20f9469cfc6c: not a torch.save file`);
  }
  const version = read(magic.end, 'legacy pickle 2 (protocol version)');
  if (version.value !== PROTOCOL_VERSION) {
    throw new WeightsFileError(path, `is torch legacy serialization protocol ${describePickleValue(version.value)}; denoise reads ${PROTOCOL_VERSION}`);
  }
  // sys_info: byte order and C type sizes of the writer. Storages are little-endian whatever the writer was
  // (torch writes and reads them through its little-endian conversion), so only its shape is checked.
  const sysInfo = read(version.end, 'legacy pickle 3 (sys_info)');
  if (!isPickleKind(sysInfo.value, 'dict')) {
    throw new WeightsFileError(path, `legacy pickle 3 (sys_info) holds ${describePickleValue(sysInfo.value)}, not a dict`);
  }
  const member = 'legacy pickle 4 (state_dict)';
  const root = read(sysInfo.end, member);
  const views = readTorchStateDict(root.value, path, member);
  const list = read(root.end, 'legacy pickle 5 (storage keys)');
  return { views, keys: storageKeys(list.value, views, path), storagesStart: list.end };
}

/** The list of storage keys, checked to name each storage the state_dict referenced, once. */
function storageKeys(list: PickleValue, views: readonly TorchTensorView[], path: string): string[] {
  const fail = (reason: string): never => {
    throw new WeightsFileError(path, `legacy pickle 5 (storage keys) ${reason}`);
  };
  if (!isPickleKind(list, 'list')) return fail(`holds ${describePickleValue(list)}, not a list of storage keys`);
  const referenced = new Set(views.map((view) => view.storageKey));
  const keys = new Set<string>();
  for (const key of list.items) {
    if (typeof key !== 'string') return fail(`lists ${describePickleValue(key)}, not a storage key`);
    if (keys.has(key)) fail(`lists storage '${key}' twice`);
    if (!referenced.has(key)) fail(`lists storage '${key}', which no tensor of the state_dict uses`);
    keys.add(key);
  }
  for (const key of referenced) if (!keys.has(key)) fail(`does not list storage '${key}', which tensors of the state_dict use`);
  return [...keys];
}

/** Where each storage lies: its element count is read and checked against the rest of the file, nothing more. */
async function readStorageTable(
  handle: FileHandle,
  path: string,
  size: number,
  views: readonly TorchTensorView[],
  keys: readonly string[],
  start: number,
): Promise<Map<string, StorageBlob>> {
  const itemBytes = new Map<string, number>();
  for (const view of views) if (!itemBytes.has(view.storageKey)) itemBytes.set(view.storageKey, WEIGHT_DTYPE_BYTES[view.dtype]);
  const blobs = new Map<string, StorageBlob>();
  let at = start;
  for (const key of keys) {
    const what = `the element count of storage '${key}'`;
    const head = await readFileRange(handle, path, at, STORAGE_COUNT_BYTES, what);
    const count = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(0, true);
    const dataOffset = at + STORAGE_COUNT_BYTES;
    const byteLength = count * BigInt(itemBytes.get(key)!);
    if (byteLength > BigInt(size - dataOffset)) {
      throw new WeightsFileError(
        path,
        `storage '${key}' declares ${count} elements (${byteLength} bytes) at byte ${dataOffset}, but the file has only ${size - dataOffset} bytes left: it is truncated or corrupt`,
      );
    }
    const bytes = Number(byteLength);
    blobs.set(key, {
      label: key,
      byteLength: bytes,
      fileOffset: dataOffset,
      read: () => readOwnRange(path, dataOffset, bytes, `storage '${key}'`),
    });
    at = dataOffset + bytes;
  }
  if (at !== size) throw new WeightsFileError(path, `has ${size - at} bytes after its last storage (byte ${at}); a torch.save file ends there`);
  return blobs;
}

async function readOwnRange(path: string, offset: number, length: number, what: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return await readFileRange(handle, path, offset, length, what);
  } finally {
    await handle.close();
  }
}
