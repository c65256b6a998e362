import type { ActivationRange } from '@denoise/diffusers';
import type { Int8CalibrationMethod } from './int8-options.js';

/** The tails 'percentile' clips: 0.01 % of the values at each end. */
const TAIL_FRACTION = 1e-4;
const HISTOGRAM_BINS = 4096;

/** Collects the range of each named activation over many model calls (see INT8_CALIBRATION_METHODS). */
export class ActivationRangeObserver {
  private readonly ranges = new Map<string, { min: number; max: number }>();
  private readonly histogram = new Float64Array(HISTOGRAM_BINS);

  constructor(private readonly method: Int8CalibrationMethod) {}

  /** One call's values of activation `name` (non-finite values are left out). */
  observe(name: string, values: Float32Array): void {
    const seen = this.method === 'minmax' ? extremes(values) : this.tails(values);
    if (!seen) return;
    const range = this.ranges.get(name);
    if (!range) this.ranges.set(name, seen);
    else {
      range.min = Math.min(range.min, seen.min);
      range.max = Math.max(range.max, seen.max);
    }
  }

  get observed(): ReadonlyMap<string, ActivationRange> {
    return this.ranges;
  }

  /** The 0.01th and 99.99th percentiles, to the resolution of a histogram between the values' min and max. */
  private tails(values: Float32Array): { min: number; max: number } | undefined {
    const range = extremes(values);
    if (!range || range.max === range.min) return range;
    const bins = this.histogram.fill(0);
    const perBin = (range.max - range.min) / HISTOGRAM_BINS;
    const scale = 1 / perBin;
    const { min } = range;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      bins[Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) * scale))]!++;
      count++;
    }
    const clipped = Math.floor(count * TAIL_FRACTION);
    let low = 0;
    for (let seen = bins[0]!; seen <= clipped; seen += bins[low]!) low++;
    let high = HISTOGRAM_BINS - 1;
    for (let seen = bins[high]!; seen <= clipped; seen += bins[high]!) high--;
    return { min: range.min + low * perBin, max: range.min + (high + 1) * perBin };
  }
}

function extremes(values: Float32Array): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // NaN compares false both ways and ±Infinity only widens to itself: drop those ends.
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    const finite = values.filter(Number.isFinite);
    return finite.length === 0 ? undefined : extremes(finite);
  }
  return { min, max };
}
