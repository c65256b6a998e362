/**
 * The PNG container (PNG spec §5): signature, then length · type · data · CRC-32 chunks up to IEND.
 * We walk it ourselves, before pngjs sees the pixels, to give errors that name the file, the chunk
 * and the byte offset, and to read and write the text chunks pngjs ignores.
 */
import { crc32 } from 'node:zlib';

export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** A malformed or unsupported PNG; `source` is the file (or label) it came from. */
export class PngFormatError extends Error {
  override readonly name = 'PngFormatError';
  readonly source: string;
  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(`${source}: ${problem}`, options);
    this.source = source;
  }
}

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
  /** Byte offset of the chunk's length field in the file. */
  readonly offset: number;
}

/** Splits a PNG into its chunks, checking signature, lengths, CRCs, IHDR first and IEND last. */
export function readPngChunks(bytes: Buffer, source: string): PngChunk[] {
  const signatureLength = PNG_SIGNATURE.length;
  const head = bytes.subarray(0, signatureLength);
  if (!head.equals(PNG_SIGNATURE.subarray(0, head.length))) {
    throw new PngFormatError(source, 'not a PNG file (bad signature)');
  }
  if (bytes.length < signatureLength) {
    throw new PngFormatError(source, `truncated PNG: ${bytes.length} bytes, shorter than the signature`);
  }
  const chunks: PngChunk[] = [];
  let pos = signatureLength;
  for (;;) {
    if (pos + 8 > bytes.length) {
      throw new PngFormatError(source, `truncated PNG: file ends at byte ${bytes.length}, before the IEND chunk`);
    }
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) {
      throw new PngFormatError(source, `corrupt PNG: invalid chunk type ${JSON.stringify(type)} at byte ${pos}`);
    }
    if (length > 0x7fffffff) {
      throw new PngFormatError(source, `corrupt PNG: chunk ${type} at byte ${pos} declares length ${length}`);
    }
    const end = pos + 12 + length;
    if (end > bytes.length) {
      throw new PngFormatError(
        source,
        `truncated PNG: chunk ${type} at byte ${pos} needs ${length + 12} bytes, only ${bytes.length - pos} remain`,
      );
    }
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    const stored = bytes.readUInt32BE(pos + 8 + length);
    const computed = chunkCrc(type, data);
    if (stored !== computed) {
      throw new PngFormatError(
        source,
        `corrupt PNG: CRC mismatch in chunk ${type} at byte ${pos} ` +
          `(stored 0x${hex32(stored)}, computed 0x${hex32(computed)})`,
      );
    }
    if (chunks.length === 0 && type !== 'IHDR') {
      throw new PngFormatError(source, `corrupt PNG: first chunk is ${type}, expected IHDR`);
    }
    chunks.push({ type, data, offset: pos });
    pos = end;
    if (type === 'IEND') return chunks;
  }
}

/** One chunk's bytes: length, type, data, CRC-32 over type and data. */
export function packPngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(chunkCrc(type, data), 8 + data.length);
  return out;
}

function chunkCrc(type: string, data: Uint8Array): number {
  return crc32(data, crc32(Buffer.from(type, 'latin1')));
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
