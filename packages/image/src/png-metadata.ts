/**
 * PNG text metadata: the provenance keys denoise writes on every image, and the tEXt / zTXt / iTXt
 * chunk formats (PNG spec §11.3.4) that carry them.
 */
import { inflateSync } from 'node:zlib';
import { PngFormatError, packPngChunk, type PngChunk } from './png-chunks.js';

/** A zTXt/iTXt chunk inflating past this is refused: denoise's metadata is a few hundred bytes; a bigger one is a bomb. */
const MAX_TEXT_BYTES = 8 * 2 ** 20;

/**
 * The keys denoise writes into each PNG it produces. There is deliberately no timestamp: the same
 * model, config and seed give a byte-identical file.
 */
export const PNG_TEXT_KEYS = {
  /** sha256 (hex) of the .onnx file that produced the image; for a diffusers folder, of config.json's bytes then the weights'. */
  modelSha256: 'denoise:model-sha256',
  /** The git commit an `hf:` model reference resolved to (the revision as pinned, not just its name). */
  modelRevision: 'denoise:model-revision',
  /** The model's name or path as given on the command line. */
  model: 'denoise:model',
  /** sha256 (hex) of the scheduler_config.json used. */
  schedulerConfigSha256: 'denoise:scheduler-config-sha256',
  /** 'ddim' | 'ddpm'. */
  sampler: 'denoise:sampler',
  /** Number of inference steps. */
  steps: 'denoise:steps',
  /** DDIM η. */
  eta: 'denoise:eta',
  /** diffusers timestep_spacing ('leading', 'trailing', 'linspace'). */
  timestepSpacing: 'denoise:timestep-spacing',
  /** Seed of the noise generator (absent when the noise came from a file). */
  seed: 'denoise:seed',
  /** 'per-image' when every image has its own generator (--per-image-seeds); absent for one generator per batch. */
  seedScheme: 'denoise:seed-scheme',
  /** With per-image seeds: the image's index in the run, and its generator's seed imageSeed(seed, index). */
  imageIndex: 'denoise:image-index',
  imageSeed: 'denoise:image-seed',
  /** Noise generator ('torch' | 'philox'). */
  generator: 'denoise:generator',
  /** sha256 (hex) of the --noise .npy file, when x_T came from a file. */
  noiseSha256: 'denoise:noise-sha256',
  /** Class label of a class-conditional model's image (a comma list on a grid). */
  classLabel: 'denoise:class-label',
  /** Text-to-image: the image's prompt and negative prompt (UTF-8, in iTXt when not Latin-1). */
  prompt: 'denoise:prompt',
  negativePrompt: 'denoise:negative-prompt',
  /** Text-to-image: classifier-free guidance scale, its rescale φ, and the text encoder's clip skip. */
  guidanceScale: 'denoise:guidance-scale',
  guidanceRescale: 'denoise:guidance-rescale',
  clipSkip: 'denoise:clip-skip',
  /** SDXL's size conditioning, when given: 'height,width', 'top,left', 'height,width'. */
  originalSize: 'denoise:original-size',
  cropTopLeft: 'denoise:crop-top-left',
  targetSize: 'denoise:target-size',
  /** Image-to-image: sha256 of the init image file and the strength it was noised with. */
  initImageSha256: 'denoise:init-image-sha256',
  strength: 'denoise:strength',
  /** Index of this image within its batch; 'grid' for a grid of the whole batch. */
  batchIndex: 'denoise:batch-index',
  /** onnxruntime execution provider that ran the model ('cpu', 'webgpu', 'cuda'). */
  executionProvider: 'denoise:ep',
  /** denoise version. */
  version: 'denoise:version',
  /** The PNG spec's registered keyword for the creating software, e.g. 'denoise 0.1.0'. */
  software: 'Software',
} as const;

export type PngTextKey = (typeof PNG_TEXT_KEYS)[keyof typeof PNG_TEXT_KEYS];

/**
 * Text chunks for `text`, in the order given: tEXt when the value is printable Latin-1 and newlines
 * (what tEXt allows; the common case), iTXt (uncompressed UTF-8) otherwise.
 */
export function packTextChunks(text: Readonly<Record<string, string>>): Buffer[] {
  return Object.entries(text).map(([keyword, value]) => {
    checkKeyword(keyword);
    if (typeof value !== 'string') {
      throw new TypeError(`PNG text value for ${JSON.stringify(keyword)} must be a string, got ${typeof value}`);
    }
    if (value.includes('\0')) {
      throw new RangeError(`PNG text value for ${JSON.stringify(keyword)} must not contain NUL`);
    }
    if (fitsTextChunk(value)) {
      return packPngChunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1'));
    }
    // keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8.
    const head = Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1');
    return packPngChunk('iTXt', Buffer.concat([head, Buffer.from(value, 'utf8')]));
  });
}

/** Collects the text of all tEXt, zTXt and iTXt chunks; a repeated keyword keeps its last value. */
export function unpackTextChunks(chunks: readonly PngChunk[], source: string): Record<string, string> {
  const text: Record<string, string> = {};
  for (const chunk of chunks) {
    const entry = unpackTextChunk(chunk, source);
    if (entry !== undefined) text[entry[0]] = entry[1];
  }
  return text;
}

function unpackTextChunk(chunk: PngChunk, source: string): [string, string] | undefined {
  const { type, data } = chunk;
  if (type !== 'tEXt' && type !== 'zTXt' && type !== 'iTXt') return undefined;
  const fail = (problem: string, cause?: unknown): never => {
    throw new PngFormatError(
      source,
      `corrupt ${type} chunk at byte ${chunk.offset}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  };
  const keywordEnd = data.indexOf(0);
  if (keywordEnd < 1) fail('missing keyword');
  const keyword = data.toString('latin1', 0, keywordEnd);
  const inflate = (bytes: Buffer): Buffer => {
    try {
      return inflateSync(bytes, { maxOutputLength: MAX_TEXT_BYTES });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return fail(`compressed text inflates to more than ${MAX_TEXT_BYTES} bytes, the limit for a text chunk`, error);
      }
      return fail('compressed text does not inflate', error);
    }
  };
  if (type === 'tEXt') return [keyword, data.toString('latin1', keywordEnd + 1)];
  if (type === 'zTXt') {
    if (data[keywordEnd + 1] !== 0) fail(`unknown compression method ${String(data[keywordEnd + 1])}`);
    return [keyword, inflate(data.subarray(keywordEnd + 2)).toString('latin1')];
  }
  // iTXt: keyword NUL flag method language NUL translated-keyword NUL text
  const compressed = data[keywordEnd + 1];
  const method = data[keywordEnd + 2];
  const languageEnd = data.indexOf(0, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (compressed === undefined || method === undefined || translatedEnd < 0) fail('truncated header');
  if (compressed !== 0 && compressed !== 1) fail(`invalid compression flag ${String(compressed)}`);
  if (compressed === 1 && method !== 0) fail(`unknown compression method ${String(method)}`);
  const body = data.subarray(translatedEnd + 1);
  return [keyword, (compressed === 1 ? inflate(body) : body).toString('utf8')];
}

function checkKeyword(keyword: string): void {
  // PNG spec §11.3.4.2: 1–79 printable Latin-1 characters, no leading, trailing or double spaces.
  const printable = /^[\x20-\x7e\xa1-\xff]+$/.test(keyword);
  if (!printable || keyword.length > 79 || keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    throw new RangeError(
      `invalid PNG text keyword ${JSON.stringify(keyword)}: must be 1–79 printable Latin-1 characters ` +
        'without leading, trailing or consecutive spaces',
    );
  }
}

function fitsTextChunk(value: string): boolean {
  return /^[\n\x20-\x7e\xa0-\xff]*$/.test(value);
}
