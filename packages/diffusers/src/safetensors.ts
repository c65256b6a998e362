import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  WEIGHT_DTYPE_BYTES,
  WeightsFileError,
  elementCount,
  type WeightDtype,
  type WeightTensor,
  type WeightsFile,
} from './weights-file.js';

/** The header is JSON in UTF-8; invalid bytes are an error, not U+FFFD. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The safetensors crate refuses headers over 100 MB; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;
const DTYPES = Object.keys(WEIGHT_DTYPE_BYTES) as WeightDtype[];

/**
 * Reads and validates a safetensors file's header (u64 little-endian header length, a JSON object of
 * name → {dtype, shape, data_offsets}, then the raw data). As the reference crate does, it checks before any
 * tensor is used: the header fits in the file, every dtype is known, every byte length equals
 * product(shape) × dtype size, and the tensors tile the data area exactly (contiguous, no overlap, no gap,
 * nothing past the end). Tensor data is not read: each tensor is a range of the file.
 */
export async function readSafetensors(path: string): Promise<WeightsFile> {
  const absolute = resolve(path);
  const fail = (reason: string): never => {
    throw new WeightsFileError(absolute, reason);
  };
  const handle = await open(absolute, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 8) fail(`truncated safetensors file: ${size} bytes, shorter than the 8-byte header length`);
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const headerLength = prefix.readBigUInt64LE(0);
    if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`safetensors header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    const headerBytes = Number(headerLength);
    if (8 + headerBytes > size) {
      fail(`truncated safetensors file: the header claims ${headerBytes} bytes but the file has only ${size - 8} after the length`);
    }
    const headerBuffer = Buffer.alloc(headerBytes);
    await handle.read(headerBuffer, 0, headerBytes, 8);
    let headerText: string;
    try {
      headerText = STRICT_UTF8.decode(headerBuffer);
    } catch {
      return fail('the safetensors header is not valid UTF-8 (the safetensors crate refuses it too)');
    }
    let header: unknown;
    try {
      header = JSON.parse(headerText);
    } catch (error) {
      return fail(`the safetensors header is not valid JSON (${(error as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      return fail('the safetensors header must be a JSON object of tensor name → {dtype, shape, data_offsets}');
    }
    const dataStart = 8 + headerBytes;
    const tensors = parseEntries(header as Record<string, unknown>, dataStart, size - dataStart, fail);
    return { path: absolute, format: 'safetensors', sizeBytes: size, tensors };
  } finally {
    await handle.close();
  }
}

function parseEntries(
  header: Record<string, unknown>,
  dataStart: number,
  dataLength: number,
  fail: (reason: string) => never,
): Map<string, WeightTensor> {
  const entries: { tensor: WeightTensor; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      const ok = typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
      if (!ok) fail(`'__metadata__' must be an object of strings`);
      continue;
    }
    if (typeof value !== 'object' || value === null) fail(`tensor '${name}': expected {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string' || !DTYPES.includes(dtype as WeightDtype)) {
      fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}; supported: ${DTYPES.join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end] in bytes`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) {
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] point past the end of the data (${dataLength} bytes): truncated or corrupt file`);
    }
    const expected = elementCount(shape as number[]) * WEIGHT_DTYPE_BYTES[dtype as WeightDtype];
    if (end - begin !== expected) {
      fail(`tensor '${name}': ${end - begin} bytes for a ${dtype} tensor of shape [${(shape as number[]).join(', ')}], which needs ${expected}`);
    }
    const tensor: WeightTensor = {
      name,
      dtype: dtype as WeightDtype,
      shape: shape as number[],
      source: { kind: 'file-range', offset: dataStart + begin, byteLength: end - begin },
    };
    entries.push({ tensor, begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { tensor, begin, end } of byOffset) {
    if (begin < cursor) fail(`tensor '${tensor.name}' overlaps the tensor before it (data_offsets begin at ${begin}, previous ends at ${cursor})`);
    if (begin > cursor) fail(`tensor '${tensor.name}' leaves a gap of ${begin - cursor} bytes before it (data_offsets begin at ${begin}, previous ends at ${cursor})`);
    cursor = end;
  }
  if (cursor !== dataLength) fail(`the tensors cover ${cursor} bytes of data but the file holds ${dataLength}: trailing bytes or a truncated header`);
  return new Map(entries.map((e) => [e.tensor.name, e.tensor]));
}
