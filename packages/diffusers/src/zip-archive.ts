/**
 * A minimal zip reader for torch.save archives: the central directory (ZIP64 included, which torch
 * always writes), each entry's absolute data offset from its local header (so a stored tensor can be
 * handed to onnxruntime as a file range), and whole-entry reads, inflated with node:zlib when deflated.
 * Layout per PKWARE APPNOTE 6.3.x, sections 4.3.7 (local header), 4.3.12 (central directory header),
 * 4.3.14–4.3.16 (ZIP64 end record, its locator, end record), 4.5.3 (ZIP64 extra field).
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { readFileRange } from './read-file-range.js';
import { WeightsFileError } from './weights-file.js';

export type ZipMethod = 'stored' | 'deflated';

export interface ZipEntry {
  readonly name: string;
  readonly method: ZipMethod;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** Absolute file offset of the entry's data (compressed data when deflated). */
  readonly dataOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U16_SATURATED = 0xffff;
const U32_SATURATED = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;

const METHODS: Readonly<Record<number, ZipMethod>> = { 0: 'stored', 8: 'deflated' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Directory {
  readonly count: number;
  readonly offset: number;
  readonly size: number;
  /** Where the end records begin: the directory must end at or before it. */
  readonly endRecordsOffset: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(path: string, data: DataView, at: number, what: string): number {
  const value = data.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new WeightsFileError(path, `zip ${what} ${value} is beyond 2^53 bytes; the archive is corrupt`);
  }
  return Number(value);
}

async function findDirectory(handle: FileHandle, path: string, sizeBytes: number): Promise<Directory> {
  if (sizeBytes < EOCD_BYTES) {
    throw new WeightsFileError(path, `${sizeBytes} bytes is too short to be a zip archive (an empty one has ${EOCD_BYTES})`);
  }
  const tailLength = Math.min(sizeBytes, EOCD_BYTES + MAX_COMMENT_BYTES);
  const tailStart = sizeBytes - tailLength;
  const tail = await readFileRange(handle, path, tailStart, tailLength, 'the zip end record');
  const data = view(tail);
  let at = -1;
  for (let i = tailLength - EOCD_BYTES; i >= 0; i--) {
    if (data.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_BYTES + data.getUint16(i + 20, true) <= tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw new WeightsFileError(path, 'has no zip end-of-central-directory record: it is truncated, or not a zip archive');
  }
  const eocdOffset = tailStart + at;
  const disk = data.getUint16(at + 4, true);
  const directoryDisk = data.getUint16(at + 6, true);
  const count = data.getUint16(at + 10, true);
  const size = data.getUint32(at + 12, true);
  const offset = data.getUint32(at + 16, true);

  const locatorOffset = eocdOffset - ZIP64_LOCATOR_BYTES;
  const hasLocator = locatorOffset >= 0 && (await readU32(handle, path, locatorOffset)) === ZIP64_LOCATOR_SIGNATURE;
  if (!hasLocator) {
    if (count === U16_SATURATED || size === U32_SATURATED || offset === U32_SATURATED) {
      throw new WeightsFileError(path, 'zip end record says ZIP64 but there is no ZIP64 locator before it');
    }
    checkSingleDisk(path, disk, directoryDisk, 1);
    return { count, offset, size, endRecordsOffset: eocdOffset };
  }
  const locator = view(await readFileRange(handle, path, locatorOffset, ZIP64_LOCATOR_BYTES, 'the ZIP64 locator'));
  const zip64Offset = u64(path, locator, 8, 'ZIP64 end record offset');
  checkSingleDisk(path, locator.getUint32(4, true), 0, locator.getUint32(16, true));
  if (zip64Offset + ZIP64_EOCD_BYTES > locatorOffset) {
    throw new WeightsFileError(path, `ZIP64 end record at ${zip64Offset} overlaps its locator at ${locatorOffset}`);
  }
  const record = view(await readFileRange(handle, path, zip64Offset, ZIP64_EOCD_BYTES, 'the ZIP64 end record'));
  if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
    throw new WeightsFileError(path, `no ZIP64 end record at ${zip64Offset}, where the locator points`);
  }
  checkSingleDisk(path, record.getUint32(16, true), record.getUint32(20, true), 1);
  return {
    count: u64(path, record, 32, 'entry count'),
    size: u64(path, record, 40, 'central directory size'),
    offset: u64(path, record, 48, 'central directory offset'),
    endRecordsOffset: zip64Offset,
  };
}

async function readU32(handle: FileHandle, path: string, position: number): Promise<number> {
  return view(await readFileRange(handle, path, position, 4, 'a zip signature')).getUint32(0, true);
}

function checkSingleDisk(path: string, disk: number, directoryDisk: number, disks: number): void {
  if (disk !== 0 || directoryDisk !== 0 || disks !== 1) {
    throw new WeightsFileError(path, 'is a zip archive split over several disks, which torch never writes');
  }
}

interface CentralEntry extends Omit<ZipEntry, 'dataOffset'> {
  readonly nameLength: number;
}

function parseCentralDirectory(path: string, bytes: Uint8Array, directory: Directory): CentralEntry[] {
  const data = view(bytes);
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let index = 0; index < directory.count; index++) {
    if (at + CENTRAL_HEADER_BYTES > bytes.length || data.getUint32(at, true) !== CENTRAL_HEADER_SIGNATURE) {
      throw new WeightsFileError(path, `zip central directory entry ${index} of ${directory.count} is missing or corrupt`);
    }
    const flags = data.getUint16(at + 8, true);
    const methodCode = data.getUint16(at + 10, true);
    const crc = data.getUint32(at + 16, true);
    let compressedSize = data.getUint32(at + 20, true);
    let uncompressedSize = data.getUint32(at + 24, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    let localHeaderOffset = data.getUint32(at + 42, true);
    const end = at + CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength;
    if (end > bytes.length) {
      throw new WeightsFileError(path, `zip central directory entry ${index} runs past the directory's end`);
    }
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength));
    } catch (error) {
      throw new WeightsFileError(path, `zip entry ${index} has a name that is not UTF-8`, { cause: error });
    }
    // ZIP64 extra field: 8-byte values for exactly the fields saturated above, in this order (APPNOTE 4.5.3).
    const extraStart = at + CENTRAL_HEADER_BYTES + nameLength;
    for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
      const id = data.getUint16(e, true);
      const length = data.getUint16(e + 2, true);
      if (id === ZIP64_EXTRA_ID) {
        let field = e + 4;
        const next = (what: string): number => {
          if (field + 8 > e + 4 + length) throw new WeightsFileError(path, `zip entry '${name}': ZIP64 field lacks its ${what}`);
          const value = u64(path, data, field, `${what} of '${name}'`);
          field += 8;
          return value;
        };
        if (uncompressedSize === U32_SATURATED) uncompressedSize = next('uncompressed size');
        if (compressedSize === U32_SATURATED) compressedSize = next('compressed size');
        if (localHeaderOffset === U32_SATURATED) localHeaderOffset = next('local header offset');
      }
      e += 4 + length;
    }
    const method = METHODS[methodCode];
    if (method === undefined) {
      throw new WeightsFileError(path, `zip entry '${name}' uses compression method ${methodCode}; only 0 (stored) and 8 (deflate) are read`);
    }
    if ((flags & FLAG_ENCRYPTED) !== 0) throw new WeightsFileError(path, `zip entry '${name}' is encrypted`);
    if (method === 'stored' && compressedSize !== uncompressedSize) {
      throw new WeightsFileError(path, `zip entry '${name}' is stored but its sizes differ (${compressedSize} vs ${uncompressedSize})`);
    }
    entries.push({ name, method, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset, nameLength });
    at = end;
  }
  return entries;
}

/**
 * The entries of a zip archive in directory order, each with the absolute offset of its data. Refuses
 * offsets or sizes outside the file, overlapping entries, duplicate names and methods other than stored
 * and deflate, so a file range taken from an entry is always inside that entry.
 */
export async function readZipDirectory(handle: FileHandle, path: string, sizeBytes: number): Promise<ReadonlyMap<string, ZipEntry>> {
  const directory = await findDirectory(handle, path, sizeBytes);
  if (directory.offset + directory.size > directory.endRecordsOffset) {
    throw new WeightsFileError(
      path,
      `zip central directory (${directory.size} bytes at ${directory.offset}) runs past the end record at ${directory.endRecordsOffset}`,
    );
  }
  if (directory.count * CENTRAL_HEADER_BYTES > directory.size) {
    throw new WeightsFileError(path, `zip end record claims ${directory.count} entries in a ${directory.size}-byte directory`);
  }
  const bytes = await readFileRange(handle, path, directory.offset, directory.size, 'the zip central directory');
  const central = parseCentralDirectory(path, bytes, directory);

  const entries = new Map<string, ZipEntry>();
  for (const entry of central) {
    if (entries.has(entry.name)) throw new WeightsFileError(path, `zip archive has two entries named '${entry.name}'`);
    if (entry.localHeaderOffset + LOCAL_HEADER_BYTES > directory.offset) {
      throw new WeightsFileError(path, `zip entry '${entry.name}': local header at ${entry.localHeaderOffset} is not before the central directory`);
    }
    const header = await readFileRange(handle, path, entry.localHeaderOffset, LOCAL_HEADER_BYTES, `the local header of '${entry.name}'`);
    const local = view(header);
    if (local.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) {
      throw new WeightsFileError(path, `zip entry '${entry.name}': no local header at ${entry.localHeaderOffset}`);
    }
    // The local extra field may differ from the central one (torch pads it to align data to 64 bytes).
    const nameLength = local.getUint16(26, true);
    const dataOffset = entry.localHeaderOffset + LOCAL_HEADER_BYTES + nameLength + local.getUint16(28, true);
    if (nameLength !== entry.nameLength) {
      throw new WeightsFileError(path, `zip entry '${entry.name}': local header names a different file`);
    }
    if (dataOffset + entry.compressedSize > directory.offset) {
      throw new WeightsFileError(
        path,
        `zip entry '${entry.name}': ${entry.compressedSize} bytes at ${dataOffset} run past the start of the central directory at ${directory.offset}`,
      );
    }
    const { nameLength: _, ...rest } = entry;
    entries.set(entry.name, { ...rest, dataOffset });
  }
  checkNoOverlap(path, [...entries.values()]);
  return entries;
}

function checkNoOverlap(path: string, entries: ZipEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (previous.dataOffset + previous.compressedSize > current.localHeaderOffset) {
      throw new WeightsFileError(path, `zip entries '${previous.name}' and '${current.name}' overlap`);
    }
  }
}

/** The whole (inflated) content of an entry, checked against its size and CRC-32. */
export async function readZipEntry(handle: FileHandle, path: string, entry: ZipEntry): Promise<Uint8Array> {
  const raw = await readFileRange(handle, path, entry.dataOffset, entry.compressedSize, `zip entry '${entry.name}'`);
  let content: Uint8Array = raw;
  if (entry.method === 'deflated') {
    try {
      const inflated = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
      content = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength); // a plain Uint8Array, like stored entries
    } catch (error) {
      throw new WeightsFileError(path, `zip entry '${entry.name}' does not inflate to its ${entry.uncompressedSize} bytes`, { cause: error });
    }
  }
  if (content.length !== entry.uncompressedSize) {
    throw new WeightsFileError(path, `zip entry '${entry.name}' holds ${content.length} bytes, not the ${entry.uncompressedSize} its header says`);
  }
  if (crc32(content) >>> 0 !== entry.crc32) {
    throw new WeightsFileError(path, `zip entry '${entry.name}' fails its CRC-32 check; the file is corrupt`);
  }
  return content;
}
