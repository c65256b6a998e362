/** Places images in a horizontal strip, e.g. golden · actual · difference for a failure artifact. */
import { checkRgba8Image, type Rgba8Image } from './image-types.js';

/**
 * Images left to right, top-aligned, `padding` black pixels between them (default 2). The strip is
 * as tall as the tallest image, black below shorter ones; it is RGB if any input is RGB (grayscale
 * inputs are then repeated into all three channels), grayscale otherwise.
 */
export function sideBySide(images: readonly Rgba8Image[], padding = 2): Rgba8Image {
  if (images.length === 0) throw new RangeError('sideBySide needs at least one image');
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`sideBySide padding must be a non-negative integer, got ${padding}`);
  }
  images.forEach((image, i) => checkRgba8Image(image, `images[${i}]`));
  const channels: 1 | 3 = images.some((image) => image.channels === 3) ? 3 : 1;
  const height = Math.max(...images.map((image) => image.height));
  const width = images.reduce((sum, image) => sum + image.width, 0) + padding * (images.length - 1);
  const pixels = new Uint8Array(width * height * channels);
  let left = 0;
  for (const image of images) {
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const src = (y * image.width + x) * image.channels;
        const dst = (y * width + left + x) * channels;
        for (let c = 0; c < channels; c++) {
          pixels[dst + c] = image.pixels[src + (image.channels === 1 ? 0 : c)] as number;
        }
      }
    }
    left += image.width + padding;
  }
  return { width, height, channels, pixels };
}
