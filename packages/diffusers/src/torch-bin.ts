/**
 * Reads a PyTorch `.bin` / `.pth` (torch.save of a state_dict) without running its pickle, in either of torch's
 * formats, told apart by the first bytes. The zip format (torch ≥ 1.6): `<archive>/data.pkl` goes through the
 * restricted unpickler, each tensor becomes a view of a storage entry `<archive>/data/<key>`, checked against it.
 * The legacy format (pickles, then the storages): see torch-legacy.ts. A C-contiguous view of a storage whose
 * bytes lie in the file as they are stays a range of the file; a strided view, or any view of a deflated entry,
 * is copied out in C order.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readFileRange } from './read-file-range.js';
import { unpickle } from './restricted-unpickler.js';
import { readLegacyTorchStateDict } from './torch-legacy.js';
import { readTorchStateDict } from './torch-state-dict.js';
import { StorageReader } from './torch-storages.js';
import { WeightsFileError, type WeightTensor, type WeightsFile } from './weights-file.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip-archive.js';

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04], // a local file header
  [0x50, 0x4b, 0x05, 0x06], // the end record of an empty archive
];
/**
 * What torch.save writes in the legacy format: PROTO (2 by default, up to 5 with pickle_protocol), then the magic
 * number 0x1950a86a20f9469cfc6c, which the legacy reader checks once it has unpickled it (a FRAME may come first).
 */
const LEGACY_PROTO = 0x80;
/** data.pkl only describes tensors (~150 bytes each); a bigger one is not a state_dict, or a zip bomb. */
const MAX_PICKLE_BYTES = 256 * 2 ** 20;

/** Reads and validates a torch.save state_dict; nothing in the file is executed. */
export async function readTorchBin(path: string): Promise<WeightsFile> {
  const absolute = resolve(path);
  const handle = await open(absolute, 'r');
  try {
    const { size } = await handle.stat();
    if ((await checkSignature(handle, absolute, size)) === 'legacy') {
      const tensors = await readLegacyTorchStateDict(handle, absolute, size, MAX_PICKLE_BYTES);
      return { path: absolute, format: 'torch-bin', sizeBytes: size, tensors };
    }
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
    const storages = new StorageReader(absolute, (key) => {
      const name = `${archive}/data/${key}`;
      const entry = entries.get(name);
      if (entry === undefined) return `its storage '${name}' is not in the archive`;
      const fileOffset = entry.method === 'stored' ? entry.dataOffset : undefined;
      return { label: name, byteLength: entry.uncompressedSize, fileOffset, read: () => readOwnEntry(absolute, entry) };
    });
    const tensors = new Map<string, WeightTensor>();
    for (const view of views) tensors.set(view.name, storages.tensor(view));
    return { path: absolute, format: 'torch-bin', sizeBytes: size, tensors };
  } finally {
    await handle.close();
  }
}

/** Which of torch's formats the file is in, from its first bytes; anything else is refused. */
async function checkSignature(handle: FileHandle, path: string, size: number): Promise<'zip' | 'legacy'> {
  if (size === 0) throw new WeightsFileError(path, 'is empty (0 bytes), not a PyTorch checkpoint');
  const head = await readFileRange(handle, path, 0, Math.min(size, 16), 'the file signature');
  const startsWith = (prefix: readonly number[]): boolean => prefix.every((byte, i) => head[i] === byte);
  if (ZIP_SIGNATURES.some(startsWith)) return 'zip';
  if (head[0] === LEGACY_PROTO && head.length > 1 && head[1]! >= 2 && head[1]! <= 5) return 'legacy';
  const shown = [...head.subarray(0, 8)].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  throw new WeightsFileError(
    path,
    `is not a PyTorch checkpoint: it starts with '${shown}', neither the zip signature 'PK\\x03\\x04' nor a pickle (torch's legacy format)`,
  );
}

/** A zip entry's bytes, read through a handle of its own: the one readTorchBin opened is closed by then. */
async function readOwnEntry(path: string, entry: ZipEntry): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return await readZipEntry(handle, path, entry);
  } finally {
    await handle.close();
  }
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
