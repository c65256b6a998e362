/** Tiles a batch into one image, laid out like torchvision.utils.make_grid (padding also on the outside). */
import { checkImageBatch, type ImageBatch } from './image-types.js';

export interface GridOptions {
  /** Images per row; default ⌈√N⌉, the squarest grid. */
  readonly columns?: number;
  /** Pixels between images and around the edge; default 2, as torchvision. */
  readonly padding?: number;
  /**
   * Value (in the batch's [−1, 1] space) of padding and empty cells; default 1, white, because
   * generated images on black backgrounds (Fashion-MNIST) would merge into black padding.
   */
  readonly padValue?: number;
}

const GRID_OPTION_KEYS: ReadonlySet<string> = new Set(['columns', 'padding', 'padValue']);

/** N images [N, C, H, W] → one [1, C, rows·(H+p)+p, columns·(W+p)+p], filled row by row. */
export function makeGrid(batch: ImageBatch, options: GridOptions = {}): ImageBatch {
  const [n, c, h, w] = checkImageBatch(batch, 'batch');
  for (const key of Object.keys(options)) {
    if (!GRID_OPTION_KEYS.has(key)) {
      throw new TypeError(`unknown makeGrid option ${JSON.stringify(key)}; known: ${[...GRID_OPTION_KEYS].join(', ')}`);
    }
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  const padding = options.padding ?? 2;
  const padValue = options.padValue ?? 1;
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`makeGrid option columns must be a positive integer, got ${columns}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`makeGrid option padding must be a non-negative integer, got ${padding}`);
  }
  if (!Number.isFinite(padValue)) {
    throw new RangeError(`makeGrid option padValue must be a finite number, got ${padValue}`);
  }
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const gridH = rows * (h + padding) + padding;
  const gridW = cols * (w + padding) + padding;
  const data = new Float32Array(c * gridH * gridW).fill(padValue);
  for (let k = 0; k < n; k++) {
    const top = padding + Math.floor(k / cols) * (h + padding);
    const left = padding + (k % cols) * (w + padding);
    for (let ch = 0; ch < c; ch++) {
      const src = (k * c + ch) * h * w;
      const dst = ch * gridH * gridW;
      for (let y = 0; y < h; y++) {
        const row = src + y * w;
        data.set(batch.data.subarray(row, row + w), dst + (top + y) * gridW + left);
      }
    }
  }
  return { data, shape: [1, c, gridH, gridW] };
}
