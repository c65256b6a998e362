/**
 * Rgba8Image ⇄ PNG bytes. pngjs does the pixel coding; the container walk, text chunks and errors
 * are ours (png-chunks.ts, png-metadata.ts). 8-bit grayscale for 1 channel, 8-bit RGB for 3.
 */
import pngjs from 'pngjs';
import { checkRgba8Image, type Rgba8Image } from './image-types.js';
import { PNG_SIGNATURE, PngFormatError, readPngChunks, type PngChunk } from './png-chunks.js';
import { packTextChunks, unpackTextChunks } from './png-metadata.js';

const { PNG } = pngjs;

/** PNG colour types (PNG spec §11.2.2). */
const COLOR_TYPE = { gray: 0, rgb: 2, palette: 3, grayAlpha: 4, rgba: 6 } as const;
/** Byte length of the IHDR chunk: 4 length + 4 type + 13 data + 4 CRC. */
const IHDR_CHUNK_LENGTH = 25;

export interface DecodedPng {
  readonly image: Rgba8Image;
  readonly text: Record<string, string>;
  /** The file's bits per sample (IHDR): 1, 2, 4, 8 or 16; pixels are 8-bit whatever it was. */
  readonly bitDepth: number;
}

/**
 * What to do with an alpha channel (RGBA, gray+alpha, a palette's or a colour key's tRNS):
 * `'require-opaque'` (the default) refuses any pixel that is not fully opaque; `'drop'` ignores alpha and
 * keeps the colour, as Pillow's `convert('RGB')` does.
 */
export type PngAlphaHandling = 'require-opaque' | 'drop';

export interface DecodePngOptions {
  readonly alpha?: PngAlphaHandling;
}

/** Encodes `image` as an 8-bit grayscale or RGB PNG, with `text` as tEXt (or iTXt) chunks after IHDR. */
export function encodePng(image: Rgba8Image, text: Readonly<Record<string, string>> = {}): Buffer {
  checkRgba8Image(image, 'image');
  const colorType = image.channels === 1 ? COLOR_TYPE.gray : COLOR_TYPE.rgb;
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  // Input already in the output colour type: pngjs copies the rows as they are.
  const encoded = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
  const textChunks = packTextChunks(text);
  if (textChunks.length === 0) return encoded;
  const split = PNG_SIGNATURE.length + IHDR_CHUNK_LENGTH;
  return Buffer.concat([encoded.subarray(0, split), ...textChunks, encoded.subarray(split)]);
}

/**
 * Decodes a PNG into 8-bit pixels and its text metadata. Grayscale stays 1 channel; RGB and palette
 * images give 3; 16-bit samples are rounded to 8 bits. An alpha channel is accepted only when every
 * pixel is opaque (denoise compares opaque images; dropping real transparency would hide a difference),
 * unless `options.alpha` is `'drop'`. `source` names the file in errors.
 */
export function decodePng(bytes: Buffer, source = '<PNG buffer>', options: DecodePngOptions = {}): DecodedPng {
  const alphaHandling = options.alpha ?? 'require-opaque';
  if (alphaHandling !== 'require-opaque' && alphaHandling !== 'drop') {
    throw new RangeError(`options.alpha must be 'require-opaque' or 'drop', got ${JSON.stringify(alphaHandling)}`);
  }
  const chunks = readPngChunks(bytes, source);
  const ihdr = chunks[0];
  if (ihdr === undefined || ihdr.data.length !== 13) {
    throw new PngFormatError(source, 'corrupt PNG: IHDR chunk must hold 13 bytes');
  }
  const colorType = ihdr.data[9];
  checkDeclaredSize(ihdr.data, chunks, source);
  const text = unpackTextChunks(chunks, source);

  let decoded;
  try {
    decoded = PNG.sync.read(bytes);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    throw new PngFormatError(source, `cannot decode PNG pixels: ${problem}`, { cause: error });
  }
  const { width, height, data: rgba } = decoded;
  const channels = colorType === COLOR_TYPE.gray || colorType === COLOR_TYPE.grayAlpha ? 1 : 3;
  const count = width * height;
  const pixels = new Uint8Array(count * channels);
  const bitDepth = ihdr.data[8] as number;
  const key = alphaHandling === 'drop' ? colorKey(chunks, colorType, bitDepth) : undefined;
  for (let i = 0; i < count; i++) {
    const alpha = rgba[i * 4 + 3];
    if (alphaHandling === 'drop') {
      // pngjs zeroes a colour-keyed pixel (tRNS on gray or RGB) whole: put its colour back.
      const colour = key !== undefined && alpha === 0 ? key : rgba.subarray(i * 4, i * 4 + 3);
      for (let c = 0; c < channels; c++) pixels[i * channels + c] = colour[c] as number;
      continue;
    }
    if (alpha !== 255) {
      throw new PngFormatError(
        source,
        `pixel (${i % width}, ${Math.floor(i / width)}) has alpha ${String(alpha)}; only opaque images are supported`,
      );
    }
    for (let c = 0; c < channels; c++) pixels[i * channels + c] = rgba[i * 4 + c] as number;
  }
  return { image: { width, height, channels, pixels }, text, bitDepth };
}

/**
 * The 8-bit colour a gray or RGB image's tRNS chunk declares transparent (PNG spec §11.3.2.1), scaled
 * as pngjs scales samples (`round(v · 255 / (2^depth − 1))`); undefined for other images.
 */
function colorKey(chunks: readonly PngChunk[], colorType: number | undefined, bitDepth: number): Uint8Array | undefined {
  const trns = chunks.find((chunk) => chunk.type === 'tRNS');
  const samples = colorType === COLOR_TYPE.gray ? 1 : colorType === COLOR_TYPE.rgb ? 3 : 0;
  if (trns === undefined || samples === 0 || trns.data.length < 2 * samples) return undefined;
  const max = 2 ** bitDepth - 1;
  const key = Uint8Array.from({ length: samples }, (_, c) => Math.floor((trns.data.readUInt16BE(2 * c) * 255) / max + 0.5));
  return samples === 1 ? Uint8Array.of(key[0] as number, key[0] as number, key[0] as number) : key;
}

/** Samples per pixel of each colour type (PNG spec §11.2.2); an unknown type counts 1, pngjs refuses it later. */
const SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** deflate expands at most 1032:1 (a 258-byte match in about 2 bits), so N bytes of IDAT inflate to < 1032 N + 1032. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Refuses an IHDR whose width × height the IDAT data cannot hold, before pngjs allocates (and loops over)
 * the pixels it declares: a corrupt or hostile size would otherwise cost gigabytes or minutes.
 */
function checkDeclaredSize(ihdr: Buffer, chunks: readonly PngChunk[], source: string): void {
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new PngFormatError(source, `corrupt PNG: IHDR declares ${width}×${height} pixels; each side must be 1 to 2^31-1`);
  }
  const bitsPerPixel = (SAMPLES[ihdr[9] as number] ?? 1) * Math.max(1, ihdr[8] as number);
  const rawBytes = (width * height * bitsPerPixel) / 8 + (ihdr[12] === 0 ? height : 0);
  const idatBytes = chunks.reduce((sum, chunk) => sum + (chunk.type === 'IDAT' ? chunk.data.length : 0), 0);
  if (rawBytes > MAX_DEFLATE_RATIO * (idatBytes + 1)) {
    throw new PngFormatError(
      source,
      `corrupt PNG: IHDR declares ${width}×${height} pixels (${Math.ceil(rawBytes)} bytes of image data), more than its ${idatBytes} bytes of IDAT can hold`,
    );
  }
}
