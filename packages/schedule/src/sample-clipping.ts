/**
 * Clipping of the predicted x0: the static clamp to ±clip_sample_range, and Imagen's dynamic
 * thresholding (Saharia et al. 2022, §2.3) as diffusers' `_threshold_sample` applies it.
 */

/** torch.quantile(values, q) with its default linear interpolation; sorts `values` in place. */
export function quantileLinear(values: Float32Array, q: number): number {
  values.sort();
  const rank = q * (values.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, values.length - 1);
  const lo = values[below] as number;
  const hi = values[above] as number;
  const w = rank - below;
  // torch.lerp's two-sided form, exact at both ends.
  return w < 0.5 ? lo + w * (hi - lo) : hi - (hi - lo) * (1 - w);
}

/**
 * Dynamic thresholding, per batch item: s = clamp(quantile(|x0|, ratio), 1, maxValue), then
 * x0 = clamp(x0, −s, s) / s. `x0` holds `batchSize` items of equal length and is changed in place.
 */
export function dynamicThresholdInPlace(x0: Float32Array, batchSize: number, ratio: number, maxValue: number): void {
  const per = x0.length / batchSize;
  const scratch = new Float32Array(per);
  for (let b = 0; b < batchSize; b++) {
    const item = x0.subarray(b * per, (b + 1) * per);
    for (let i = 0; i < per; i++) scratch[i] = Math.abs(item[i] as number);
    const q = quantileLinear(scratch, ratio);
    const s = Math.min(Math.max(q, 1), maxValue);
    for (let i = 0; i < per; i++) {
      item[i] = Math.min(s, Math.max(-s, item[i] as number)) / s;
    }
  }
}
