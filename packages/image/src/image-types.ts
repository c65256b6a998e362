/**
 * The two image representations the package converts between, and the shape checks every public
 * function runs once at its entry.
 */

/** A batch of images as the sampler produces them: NCHW float32, values nominally in [-1, 1]. */
export interface ImageBatch {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** One 8-bit image, HWC interleaved: `pixels[(y * width + x) * channels + c]`. */
export interface Rgba8Image {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
}

/** Validates an ImageBatch and returns its shape; `name` is the argument named in errors. */
export function checkImageBatch(batch: ImageBatch, name: string): readonly [number, number, number, number] {
  const shape = batch.shape;
  if (shape.length !== 4) {
    throw new RangeError(`${name}.shape must be [N, C, H, W], got [${shape.join(', ')}]`);
  }
  for (const [i, dim] of shape.entries()) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new RangeError(`${name}.shape[${i}] must be a positive integer, got ${dim} (shape [${shape.join(', ')}])`);
    }
  }
  const [n, c, h, w] = shape;
  if (batch.data.length !== n * c * h * w) {
    throw new RangeError(
      `${name}.data has ${batch.data.length} values but shape [${shape.join(', ')}] needs ${n * c * h * w}`,
    );
  }
  return shape;
}

/** Validates an Rgba8Image (dimensions, channel count, pixel count); `name` is used in errors. */
export function checkRgba8Image(image: Rgba8Image, name: string): void {
  const { width, height, channels, pixels } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`${name} must have positive integer width and height, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`${name}.channels must be 1 or 3, got ${String(channels)}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `${name}.pixels has ${pixels.length} bytes but ${width}×${height}×${channels} needs ${width * height * channels}`,
    );
  }
}

/** Throws unless `a` and `b` have the same width, height and channel count. */
export function checkSameShape(a: Rgba8Image, b: Rgba8Image, operation: string): void {
  checkRgba8Image(a, 'a');
  checkRgba8Image(b, 'b');
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(
      `${operation}: images differ in shape: a is ${a.width}×${a.height}×${a.channels}, ` +
        `b is ${b.width}×${b.height}×${b.channels}`,
    );
  }
}

/** Float32 planes, CHW: `data[(c * height + y) * width + x]`; what the FID resizes read and write. */
export interface PlanarImage {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/** Validates a PlanarImage (positive integer dimensions, value count); `name` is used in errors. */
export function checkPlanarImage(image: PlanarImage, name: string): void {
  const { channels, height, width, data } = image;
  for (const [key, value] of [['channels', channels], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name}.${key} must be a positive integer, got ${value}`);
    }
  }
  if (data.length !== channels * height * width) {
    throw new RangeError(`${name}.data has ${data.length} values but ${channels}×${height}×${width} needs ${channels * height * width}`);
  }
}

/** Throws unless `size` is a positive integer; `name` is used in errors (an output height or width). */
export function checkOutputSize(size: number, name: string): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${name} must be a positive integer, got ${size}`);
}
