/**
 * An 8-bit image → the float32 [3, H, W] tensor that enters an FID feature extractor's first
 * convolution, exactly as each tool computes it (arithmetic order included):
 * - pytorch-fid: `ToTensor` (uint8 / 255) → torch bilinear resize → `2x − 1`;
 * - clean-fid `clean`: float(uint8) → Pillow BICUBIC per channel → clip(0, 255) → `(x − 128) / 128`;
 * - torch-fidelity: float(uint8) → TF1-style bilinear → `(x − 128) / 128`.
 * A grayscale image is three equal channels (Pillow's `convert('RGB')`).
 */
import { checkRgba8Image, type ImageBatch, type PlanarImage, type Rgba8Image } from './image-types.js';
import { parseFidInputConfig, type FidInputConfig, type FidProtocol } from './fid-input-config.js';
import { resizeBilinearTorch } from './bilinear-resize-torch.js';
import { resizeBicubicPillow } from './bicubic-resize-pillow.js';
import { resizeBilinearTf1 } from './bilinear-resize-tf1.js';

/** One protocol's steps: the value of each uint8 before the resize, the resize, the value of a resized x in [0, 1], and its own normalisation. */
interface ProtocolSteps {
  readonly levels: Float32Array;
  readonly resize: (input: PlanarImage, height: number, width: number) => PlanarImage;
  readonly unit: (x: number) => number;
  readonly normalize: (x: number) => number;
}

const f = Math.fround;
const uint8Levels = (map: (v: number) => number): Float32Array => Float32Array.from({ length: 256 }, (_, v) => map(v));

const STEPS: Readonly<Record<FidProtocol, ProtocolSteps>> = {
  'pytorch-fid': {
    levels: uint8Levels((v) => v / 255), // ToTensor: img.float().div(255)
    resize: resizeBilinearTorch,
    unit: (x) => x,
    normalize: (x) => f(2 * x) - 1, // InceptionV3.forward: 2 * x - 1 (2x is exact)
  },
  clean: {
    levels: uint8Levels((v) => v),
    resize: (input, height, width) => clip255(resizeBicubicPillow(input, height, width)),
    unit: (x) => f(x / 255),
    normalize: (x) => (x - 128) / 128, // InceptionV3W.forward; ÷128 commutes with the float32 rounding
  },
  'torch-fidelity': {
    levels: uint8Levels((v) => v),
    resize: resizeBilinearTf1,
    unit: (x) => f(x / 255),
    normalize: (x) => f(x - 128) / 128,
  },
};

function clip255(image: PlanarImage): PlanarImage {
  const data = image.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < 0) data[i] = 0;
    else if (v > 255) data[i] = 255;
  }
  return image;
}

/**
 * The [3, height, width] float32 input (CHW) of `image` under `options` (a protocol, and optionally the
 * size, default 299 × 299, and a declared normalisation; see FidInputConfig). Bad options throw FidInputError.
 */
export function fidInputTensor(image: Rgba8Image, options: unknown): Float32Array {
  const config = parseFidInputConfig(options);
  checkRgba8Image(image, 'image');
  const out = new Float32Array(3 * config.height * config.width);
  writeFidInput(image, config, out, 0);
  return out;
}

/** `fidInputTensor` of each image, written into one NCHW batch [N, 3, height, width]; the images may differ in size. */
export function fidInputBatch(images: readonly Rgba8Image[], options: unknown): ImageBatch {
  const config = parseFidInputConfig(options);
  images.forEach((image, i) => checkRgba8Image(image, `images[${i}]`));
  const size = 3 * config.height * config.width;
  const data = new Float32Array(images.length * size);
  images.forEach((image, i) => writeFidInput(image, config, data, i * size));
  return { data, shape: [images.length, 3, config.height, config.width] };
}

function writeFidInput(image: Rgba8Image, config: FidInputConfig, out: Float32Array, offset: number): void {
  const { width, height, channels, pixels } = image;
  const steps = STEPS[config.protocol];
  // Channels resize independently, so a grayscale image is resized once and its plane used three times.
  const planes = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let i = 0; i < height * width; i++) planes[base + i] = steps.levels[pixels[i * channels + c] as number] as number;
  }
  const resized = steps.resize({ channels, height, width, data: planes }, config.height, config.width).data;
  const area = config.height * config.width;
  const normalization = config.normalization;
  for (let c = 0; c < 3; c++) {
    const from = channels === 1 ? 0 : c * area;
    const to = offset + c * area;
    if (normalization === 'protocol') {
      for (let i = 0; i < area; i++) out[to + i] = steps.normalize(resized[from + i] as number);
    } else {
      const mean = f(normalization.mean[c] as number);
      const std = f(normalization.std[c] as number);
      for (let i = 0; i < area; i++) out[to + i] = f(steps.unit(resized[from + i] as number) - mean) / std;
    }
  }
}
