/**
 * NumPy's .npz archives (np.savez, np.savez_compressed): a zip file with one `<key>.npy` member per
 * array, stored (method 0) or DEFLATE-compressed (method 8). numpy writes every member with
 * `force_zip64=True`, so local headers carry a zip64 extra field; the central directory has one only
 * when a size or offset needs it. This is a minimal zip reader and writer for that layout, with limits
 * for untrusted input: sizes are checked against each other and against the .npy header before any
 * member is inflated, and inflation stops at the declared size.
 */
import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { NpyFormatError, parseNpy, readNpyLayout, serializeNpy, type NpyArray } from './npy.js';

/** A .npz archive that is malformed or uses a zip feature denoise does not read; names the file and member. */
export class NpzFormatError extends Error {
  override readonly name = 'NpzFormatError';
  /** The archive. */
  readonly source: string;
  /** The zip member the problem is in, if it is in one. */
  readonly member: string | undefined;
  constructor(source: string, member: string | undefined, problem: string, options?: ErrorOptions) {
    super(`${source}: ${member === undefined ? '' : `${member}: `}${problem}`, options);
    this.source = source;
    this.member = member;
  }
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;
/** The most a DEFLATE stream can expand (RFC 1951: 258 bytes per 2-bit match code, ~1032:1). */
const MAX_DEFLATE_RATIO = 1032;
/** Compressed bytes inflated to read a member's .npy header before the whole member is inflated. */
const HEADER_PROBE = 4096;
/** flag bit 0: encrypted; bit 6: strong encryption; bit 13: encrypted central directory. */
const ENCRYPTION_FLAGS = 0x0001 | 0x0040 | 0x2000;
const DATA_DESCRIPTOR_FLAG = 0x0008;
const UTF8_FLAG = 0x0800;

interface Entry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/**
 * The arrays of an .npz file, keyed as `np.load` keys them (the member name without `.npy`), in
 * archive order. Every member must be a `.npy` file denoise reads (see parseNpy).
 */
export function parseNpz(bytes: Uint8Array, source = '<.npz buffer>'): Map<string, NpyArray> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string, member?: string): never => {
    throw new NpzFormatError(source, member, problem);
  };
  const entries = readCentralDirectory(buf, fail);
  const arrays = new Map<string, NpyArray>();
  for (const entry of entries) {
    const key = entry.name.slice(0, -'.npy'.length);
    arrays.set(key, readMember(buf, entry, source, fail));
  }
  return arrays;
}

export interface SerializeNpzOptions {
  /** DEFLATE each member, as np.savez_compressed does; otherwise store them, as np.savez does. */
  readonly compress: boolean;
}

/**
 * The bytes of an .npz archive holding `arrays` (iterated in order) that np.load reads back. Members
 * carry a fixed timestamp (1980-01-01 00:00), so the output depends only on the arrays. Archives past
 * 4 GiB (zip64) are not written.
 */
export function serializeNpz(
  arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  options: SerializeNpzOptions,
): Buffer {
  const list = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [key, array] of list) {
    if (key === '') throw new RangeError('an .npz key must not be empty');
    const name = Buffer.from(`${key}.npy`, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(key) ? 0 : UTF8_FLAG;
    const data = serializeNpy(array);
    const crc = crc32(data);
    const stored = options.compress ? deflateRawSync(data) : data;
    const method = options.compress ? DEFLATED : STORED;
    if (data.length > 0xfffffffe || stored.length > 0xfffffffe || offset > 0xfffffffe) {
      throw new RangeError(`array ${JSON.stringify(key)} takes the archive past 4 GiB; zip64 output is not supported`);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE((1 << 5) | 1, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    local.copy(header, 6, 4, 28); // needed, flags, method, time, date, crc, sizes, name length
    header.writeUInt16LE(0, 30); // extra length
    header.writeUInt16LE(0, 32); // comment length
    header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, stored);
    central.push(header, name);
    offset += local.length + name.length + stored.length;
  }
  const centralBytes = Buffer.concat(central);
  if (list.length > 0xfffe || offset + centralBytes.length > 0xfffffffe) {
    throw new RangeError('the archive is past zip limits (65535 members or 4 GiB); zip64 output is not supported');
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(list.length, 8);
  end.writeUInt16LE(list.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralBytes, end]);
}

type Fail = (problem: string, member?: string) => never;

function readCentralDirectory(buf: Buffer, fail: Fail): Entry[] {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
  let endAt = -1;
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) === END && at + 22 + buf.readUInt16LE(at + 20) === buf.length) {
      endAt = at;
      break;
    }
  }
  if (endAt < 0) fail('not a zip archive (no end-of-central-directory record)');
  let count: number = buf.readUInt16LE(endAt + 10);
  let size: number = buf.readUInt32LE(endAt + 12);
  let start: number = buf.readUInt32LE(endAt + 16);
  if (buf.readUInt16LE(endAt + 4) !== 0 || buf.readUInt16LE(endAt + 6) !== 0 || buf.readUInt16LE(endAt + 8) !== count) {
    fail('multi-disk (split) zip archives are not supported');
  }
  let directoryEnd = endAt;
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff) {
    const locatorAt = endAt - 20;
    if (locatorAt < 0 || buf.readUInt32LE(locatorAt) !== END64_LOCATOR) fail('zip64 end-of-central-directory locator missing');
    const end64At = readUInt64(buf, locatorAt + 8, 'zip64 end-of-central-directory offset', fail);
    if (end64At + 56 > locatorAt || buf.readUInt32LE(end64At) !== END64) fail('zip64 end-of-central-directory record missing');
    count = readUInt64(buf, end64At + 32, 'zip64 entry count', fail);
    size = readUInt64(buf, end64At + 40, 'zip64 central directory size', fail);
    start = readUInt64(buf, end64At + 48, 'zip64 central directory offset', fail);
    directoryEnd = end64At;
  }
  if (start + size !== directoryEnd) {
    fail(`central directory (${size} bytes at ${start}) does not end where the end record starts (${directoryEnd})`);
  }
  if (count * 46 > size) fail(`${count} entries cannot fit a central directory of ${size} bytes`);

  const entries: Entry[] = [];
  const names = new Set<string>();
  let at = start;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directoryEnd || buf.readUInt32LE(at) !== CENTRAL) fail(`central directory entry ${i} is malformed`);
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directoryEnd) fail(`central directory entry ${i} runs past the directory`);
    const name = buf.toString(flags & UTF8_FLAG ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    const zip64 = readZip64Extra(buf.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), name, fail, {
      size: buf.readUInt32LE(at + 24),
      compressedSize: buf.readUInt32LE(at + 20),
      localOffset: buf.readUInt32LE(at + 42),
    });
    if (buf.readUInt16LE(at + 34) !== 0) fail('member is on another disk of a split archive', name);
    if (flags & ENCRYPTION_FLAGS) fail('member is encrypted; encrypted archives are not supported', name);
    if (method !== STORED && method !== DEFLATED) {
      fail(`compression method ${method} is not supported (only 0, stored, and 8, deflate)`, name);
    }
    if (!name.endsWith('.npy') || name === '.npy') fail('member is not a .npy file', name);
    if (names.has(name)) fail('member name appears twice in the archive', name);
    names.add(name);
    entries.push({ name, method, flags, crc: buf.readUInt32LE(at + 16), ...zip64 });
    at = next;
  }
  if (at !== directoryEnd) fail(`${directoryEnd - at} unexpected bytes after the central directory entries`);
  return entries;
}

interface Sizes {
  readonly size: number;
  readonly compressedSize: number;
  readonly localOffset: number;
}

/** Replaces each 0xffffffff field by its 8-byte value from the zip64 extra field (in APPNOTE order). */
function readZip64Extra(extra: Buffer, member: string, fail: Fail, sizes: Sizes): Sizes {
  const result = { ...sizes };
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (at + 4 + length > extra.length) fail('extra field runs past its header', member);
    if (id === ZIP64_EXTRA) {
      let field = at + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (sizes[key] !== 0xffffffff) continue;
        if (field + 8 > at + 4 + length) fail(`zip64 extra field is too short for the ${key}`, member);
        result[key] = readUInt64(extra, field, `zip64 ${key}`, fail, member);
        field += 8;
      }
    }
    at += 4 + length;
  }
  for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
    if (result[key] === 0xffffffff) fail(`${key} is 0xffffffff but no zip64 extra field gives it`, member);
  }
  return result;
}

function readUInt64(buf: Buffer, at: number, what: string, fail: Fail, member?: string): number {
  if (at < 0 || at + 8 > buf.length) return fail(`${what} lies outside the file`, member);
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`${what} ${value} is beyond 2^53`, member);
  return Number(value);
}

function readMember(buf: Buffer, entry: Entry, source: string, fail: Fail): NpyArray {
  const { name } = entry;
  const at = entry.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) fail(`no local file header at offset ${at}`, name);
  const nameLength = buf.readUInt16LE(at + 26);
  const extraLength = buf.readUInt16LE(at + 28);
  const localName = buf.toString(entry.flags & UTF8_FLAG ? 'utf8' : 'latin1', at + 30, Math.min(buf.length, at + 30 + nameLength));
  if (localName !== name) fail(`local header names ${JSON.stringify(localName)}`, name);
  if (buf.readUInt16LE(at + 6) !== entry.flags || buf.readUInt16LE(at + 8) !== entry.method) {
    fail('local header flags or compression method differ from the central directory', name);
  }
  const dataStart = at + 30 + nameLength + extraLength;
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > buf.length) fail(`member data (${entry.compressedSize} bytes at ${dataStart}) runs past the end of the file`, name);
  if (!(entry.flags & DATA_DESCRIPTOR_FLAG)) {
    const local = readZip64Extra(buf.subarray(at + 30 + nameLength, dataStart), name, fail, {
      size: buf.readUInt32LE(at + 22),
      compressedSize: buf.readUInt32LE(at + 18),
      localOffset: 0,
    });
    if (buf.readUInt32LE(at + 14) !== entry.crc || local.size !== entry.size || local.compressedSize !== entry.compressedSize) {
      fail('local header CRC or sizes disagree with the central directory', name);
    }
  }
  const compressed = buf.subarray(dataStart, dataEnd);
  if (entry.method === STORED && entry.compressedSize !== entry.size) {
    fail(`stored member has compressed size ${entry.compressedSize} but size ${entry.size}`, name);
  }
  if (entry.method === DEFLATED && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1) {
    fail(`declared size ${entry.size} is more than ${entry.compressedSize} deflated bytes can hold`, name);
  }

  // The .npy header states how many bytes the member holds; it must agree with the directory before
  // the member is inflated, and inflation may not go past it.
  const head = entry.method === STORED ? compressed : inflateHead(compressed, fail, name);
  const layout = asMember(() => readNpyLayout(head, name), source, name);
  if (layout.dataStart + layout.dataLength !== entry.size) {
    fail(`the .npy header declares ${layout.dataStart + layout.dataLength} bytes, the zip directory ${entry.size}`, name);
  }
  const data = entry.method === STORED ? compressed : inflateAll(compressed, entry.size, fail, name);
  if (crc32(data) !== entry.crc) fail('CRC-32 mismatch: the member data is corrupt', name);
  return asMember(() => parseNpy(data, name), source, name);
}

/** Re-throws a member's NpyFormatError as an NpzFormatError naming the archive and the member. */
function asMember<T>(read: () => T, source: string, member: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NpyFormatError) {
      throw new NpzFormatError(source, member, error.message.slice(member.length + 2), { cause: error });
    }
    throw error;
  }
}

/** Inflates the start of a member (enough for its .npy header), tolerating the cut-off stream. */
function inflateHead(compressed: Buffer, fail: Fail, member: string): Buffer {
  const probe = compressed.subarray(0, HEADER_PROBE);
  try {
    return inflateRawSync(probe, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEADER_PROBE * MAX_DEFLATE_RATIO });
  } catch (error) {
    return fail(`corrupt DEFLATE data: ${(error as Error).message}`, member);
  }
}

function inflateAll(compressed: Buffer, size: number, fail: Fail, member: string): Buffer {
  let data: Buffer;
  try {
    data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, size) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return fail(`inflates to more than its declared ${size} bytes`, member);
    }
    return fail(`corrupt DEFLATE data: ${(error as Error).message}`, member);
  }
  if (data.length !== size) fail(`inflates to ${data.length} bytes, declared ${size}`, member);
  return data;
}
