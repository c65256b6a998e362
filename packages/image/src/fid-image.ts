/**
 * Images read as the FID tools read them: Pillow's `Image.open(path).convert('RGB')`. Grayscale becomes
 * three equal channels, alpha is dropped (RGBA, gray+alpha, a palette's or colour key's transparency),
 * palette colours are looked up, 1/2/4-bit samples scale to 0–255 exactly. Refused, naming the file:
 * 16-bit PNGs (Pillow keeps the high byte of 16-bit RGB and clips 16-bit gray at 255 — neither is a
 * rounding denoise reproduces) and anything that is not a PNG (decodePng's PngFormatError).
 */
import { readRegularFile } from './regular-file.js';
import { PngFormatError } from './png-chunks.js';
import { decodePng } from './png-codec.js';
import type { Rgba8Image } from './image-types.js';

/** Decodes PNG `bytes` into 3-channel 8-bit pixels as Pillow's `convert('RGB')` gives them; `source` names the file in errors. */
export function decodeFidPng(bytes: Buffer, source = '<PNG buffer>'): Rgba8Image {
  const { image, bitDepth } = decodePng(bytes, source, { alpha: 'drop' });
  if (bitDepth === 16) {
    throw new PngFormatError(source, '16-bit PNGs are not read for FID (the tools read them through Pillow, which truncates or clips them); convert to 8-bit first');
  }
  if (image.channels === 3) return image;
  const pixels = new Uint8Array(image.width * image.height * 3);
  for (let i = 0; i < image.pixels.length; i++) pixels.fill(image.pixels[i] as number, 3 * i, 3 * i + 3);
  return { width: image.width, height: image.height, channels: 3, pixels };
}

/** Reads a PNG file as `decodeFidPng` does. */
export async function readFidImage(path: string): Promise<Rgba8Image> {
  return decodeFidPng(await readRegularFile(path), path);
}
