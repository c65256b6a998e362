/**
 * Bootstrap FID at Inception size: `resamples` resamples of an n × dim generated set against a reference Gaussian
 * (μ, Σ of 10,000 × dim features), FID only (no KID reference), by the Gram path ('auto' picks it when the distinct
 * drawn rows are fewer than the reference's rank) and, on a few resamples, by the dense path it replaces.
 * Usage: pnpm --filter @denoise/metrics bench:bootstrap [-- --n 500,1000 --dim 2048 --resamples 200 --dense-resamples 2]
 */
import { parseArgs } from 'node:util';
import { bootstrapDistances, featureStatistics, Mulberry32, type BootstrapFidMethod } from '../src/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '500,1000' },
    dim: { type: 'string', default: '2048' },
    'reference-n': { type: 'string', default: '10000' },
    resamples: { type: 'string', default: '200' },
    'dense-resamples': { type: 'string', default: '2' },
  },
});
const dim = Number(values.dim);
const referenceN = Number(values['reference-n']);

/** Non-negative, correlated, partly dead features, like Inception pool3 outputs (as frechet-distance-stages.ts). */
function syntheticFeatures(seed: number, n: number): Float32Array {
  const rng = new Mulberry32(seed);
  const shared = Float64Array.from({ length: 64 }, () => rng.nextFloat());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const a = rng.nextFloat();
    for (let j = 0; j < dim; j++) {
      const v = (j % 97 === 0 ? 0 : a * (shared[j & 63] as number)) + rng.nextFloat() - 0.3;
      out[i * dim + j] = Math.max(v, 0);
    }
  }
  return out;
}

console.log(`bootstrap FID, dim = ${dim}, reference ${referenceN} rows, node ${process.version}`);
const reference = featureStatistics(syntheticFeatures(1, referenceN), referenceN, dim);
for (const n of values.n.split(',').map(Number)) {
  const set = syntheticFeatures(2, n);
  const run = (method: BootstrapFidMethod, resamples: number) => {
    const t0 = performance.now();
    const result = bootstrapDistances([set], n, dim, { mean: reference.mean, cov: reference.cov }, { resamples, seed: 3, fidMethod: method });
    return { fid: result.fid[0]!, seconds: (performance.now() - t0) / 1000 };
  };
  const fast = run('auto', Number(values.resamples));
  const denseResamples = Number(values['dense-resamples']);
  const dense = denseResamples > 0 ? run('dense', denseResamples) : undefined;
  let worst = 0;
  if (dense !== undefined) for (let r = 0; r < denseResamples; r++) worst = Math.max(worst, Math.abs(fast.fid[r]! - dense.fid[r]!) / dense.fid[r]!);
  console.log(
    `n ${String(n).padStart(5)}: ${values.resamples} resamples ${fast.seconds.toFixed(1)} s (auto)` +
      (dense === undefined ? '' : `; dense ${(dense.seconds / denseResamples).toFixed(2)} s/resample → ${((dense.seconds / denseResamples) * Number(values.resamples)).toFixed(0)} s for ${values.resamples}; max relative difference ${worst.toExponential(1)}`),
  );
}
