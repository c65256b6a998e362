/**
 * Bootstrap FID at Inception size: `resamples` resamples of an n × dim generated set against a reference Gaussian
 * (μ, Σ of 10,000 × dim features), FID only (no KID reference), by the Gram path ('auto' picks it when the distinct
 * drawn rows are fewer than the reference's rank) and, on a few resamples, by the dense path it replaces.
 * Usage: pnpm --filter @denoise/metrics bench:bootstrap [-- --n 500,1000 --dim 2048 --resamples 200 --dense-resamples 2]
 */
import { parseArgs } from 'node:util';
import { syntheticPool3Features } from './synthetic-pool3-features.js';
import { bootstrapDistances, featureStatistics, type BootstrapFidMethod } from '../src/index.js';

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


console.log(`bootstrap FID, dim = ${dim}, reference ${referenceN} rows, node ${process.version}`);
const reference = featureStatistics(syntheticPool3Features(1, referenceN, dim), referenceN, dim);
for (const n of values.n.split(',').map(Number)) {
  const set = syntheticPool3Features(2, n, dim);
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
