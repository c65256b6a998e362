import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { makeGrid, PNG_TEXT_KEYS, toPixels, writeNpy, writePng, type ImageBatch, type NpyArray } from '@denoise/image';
import { staleSampleFiles, type OutputStaging } from './output-files.js';
import { throwIfInterrupted } from './usage-error.js';

/** Test hook: a pause before each output write, so that a test can signal the run while it writes. */
const WRITE_DELAY_MS = Number(process.env['DENOISE_TEST_WRITE_DELAY_MS'] ?? 0) || 0;

export interface ImageOutputs {
  readonly images: ImageBatch;
  readonly out: string;
  readonly grid: boolean;
  /** Provenance every PNG carries. */
  readonly text: Readonly<Record<string, string>>;
  /** Provenance of image i only (its seed, its prompt, its class label). */
  readonly perImage: (index: number) => Readonly<Record<string, string>>;
  /** Provenance of the grid beyond `text` (e.g. every image's class label). */
  readonly gridText?: Readonly<Record<string, string>>;
  /** Raw arrays written beside the PNGs: --out-npy, --out-latents, … */
  readonly arrays: readonly { readonly file: string; readonly array: NpyArray }[];
}

/**
 * Writes a run's outputs under temporary names — sample-NNN.png per image, grid.png, the raw arrays — and renames
 * them into place together once every one is ready; sample-NNN.png files beyond this batch, left by an earlier
 * larger one, go with the commit. A signal between writes stops the run with nothing written.
 */
export async function writeImageOutputs(outputs: ImageOutputs, staging: OutputStaging, signal: AbortSignal): Promise<{ readonly files: string[]; readonly grid?: string }> {
  const writing = async (write: () => Promise<void>) => {
    throwIfInterrupted(signal, 'while writing the outputs');
    if (WRITE_DELAY_MS > 0) await delay(WRITE_DELAY_MS);
    await write();
    throwIfInterrupted(signal, 'while writing the outputs');
  };
  const batch = outputs.images.shape[0];
  const files: string[] = [];
  for (let i = 0; i < batch; i++) {
    const file = join(outputs.out, `sample-${String(i).padStart(3, '0')}.png`);
    await writing(() => writePng(staging.stage(file), toPixels(outputs.images, i), { ...outputs.text, ...outputs.perImage(i), [PNG_TEXT_KEYS.batchIndex]: String(i) }));
    files.push(file);
  }
  let grid: string | undefined;
  if (outputs.grid) {
    const gridFile = join(outputs.out, 'grid.png');
    grid = gridFile;
    await writing(() => writePng(staging.stage(gridFile), toPixels(makeGrid(outputs.images, { padding: 2 }), 0), { ...outputs.text, ...outputs.gridText, [PNG_TEXT_KEYS.batchIndex]: 'grid' }));
  }
  for (const { file, array } of outputs.arrays) await writing(() => writeNpy(staging.stage(file), array));
  for (const stale of staleSampleFiles(outputs.out, batch)) staging.removeOnCommit(stale);
  throwIfInterrupted(signal, 'while writing the outputs');
  staging.commit();
  return { files, ...(grid ? { grid } : {}) };
}
