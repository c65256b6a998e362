/**
 * A golden PNG is one row of the case's images: makeGrid with `batch` columns and 2 px of white padding,
 * so a reviewer sees the whole case in one file and the check can cut the images back out.
 */
import { makeGrid, PNG_TEXT_KEYS, toPixels, type Rgba8Image } from '@denoise/image';
import { denoiseVersion } from '@denoise/repo-layout';
import type { GoldenCase } from './golden-manifest.js';
import type { GoldenRun } from './golden-run.js';

export const GRID_PADDING = 2;

/** The run's images as the golden strip. */
export function goldenStrip(run: GoldenRun): Rgba8Image {
  const [batch] = run.shape;
  return toPixels(makeGrid({ data: run.samples, shape: run.shape }, { columns: batch, padding: GRID_PADDING }), 0);
}

/** Image `index` of a strip of `count` tiles; throws if the strip's size does not fit `count` tiles of `tile`. */
export function stripTile(strip: Rgba8Image, count: number, tile: { width: number; height: number }, index: number): Rgba8Image {
  const { width, height } = stripSize(count, tile);
  if (strip.width !== width || strip.height !== height) {
    throw new RangeError(`a strip of ${count} ${tile.width}×${tile.height} images is ${width}×${height}; got ${strip.width}×${strip.height}`);
  }
  const { channels } = strip;
  const pixels = new Uint8Array(tile.width * tile.height * channels);
  const left = GRID_PADDING + index * (tile.width + GRID_PADDING);
  for (let y = 0; y < tile.height; y++) {
    const from = ((GRID_PADDING + y) * strip.width + left) * channels;
    pixels.set(strip.pixels.subarray(from, from + tile.width * channels), y * tile.width * channels);
  }
  return { width: tile.width, height: tile.height, channels, pixels };
}

export function stripSize(count: number, tile: { width: number; height: number }): { width: number; height: number } {
  return { width: count * (tile.width + GRID_PADDING) + GRID_PADDING, height: tile.height + 2 * GRID_PADDING };
}

/** PNG text of a golden: what made it, so a golden read on its own still says where it came from. */
export function goldenPngText(goldenCase: GoldenCase, run: GoldenRun): Record<string, string> {
  return {
    [PNG_TEXT_KEYS.model]: goldenCase.model,
    [PNG_TEXT_KEYS.modelSha256]: run.modelSha256,
    ...(run.modelRevision ? { [PNG_TEXT_KEYS.modelRevision]: run.modelRevision } : {}),
    [PNG_TEXT_KEYS.sampler]: goldenCase.sampler,
    [PNG_TEXT_KEYS.steps]: String(goldenCase.steps),
    [PNG_TEXT_KEYS.eta]: String(goldenCase.eta),
    [PNG_TEXT_KEYS.timestepSpacing]: goldenCase.timestepSpacing,
    [PNG_TEXT_KEYS.generator]: goldenCase.generator,
    [PNG_TEXT_KEYS.seed]: String(goldenCase.seed),
    ...(goldenCase.prompt !== undefined
      ? {
          [PNG_TEXT_KEYS.prompt]: goldenCase.prompt,
          [PNG_TEXT_KEYS.negativePrompt]: goldenCase.negativePrompt ?? '',
          [PNG_TEXT_KEYS.guidanceScale]: String(run.guidanceScale ?? goldenCase.guidanceScale),
        }
      : {}),
    [PNG_TEXT_KEYS.batchIndex]: 'grid',
    [PNG_TEXT_KEYS.executionProvider]: 'cpu',
    [PNG_TEXT_KEYS.version]: denoiseVersion(),
    [PNG_TEXT_KEYS.software]: `denoise ${denoiseVersion()}`,
  };
}

/** The keys of `goldenPngText` that describe the case (not the model): a mismatch means the manifest entry was edited. */
export const CASE_TEXT_KEYS = [
  PNG_TEXT_KEYS.sampler,
  PNG_TEXT_KEYS.steps,
  PNG_TEXT_KEYS.eta,
  PNG_TEXT_KEYS.timestepSpacing,
  PNG_TEXT_KEYS.generator,
  PNG_TEXT_KEYS.seed,
  PNG_TEXT_KEYS.prompt,
  PNG_TEXT_KEYS.negativePrompt,
  PNG_TEXT_KEYS.guidanceScale,
] as const;
