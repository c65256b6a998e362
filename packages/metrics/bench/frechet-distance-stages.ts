/**
 * FID of 10,000 × 2048 features against a reference Gaussian (a pytorch-fid stats file's μ, Σ), stage by stage:
 *   reference statistics   featureStatistics of the reference set (what pytorch-fid's save_fid_stats stores)
 *   featureStatistics      μ, Σ of the generated set (n·d²/2 multiply-adds, ~21 G)
 *   frechetDistanceTo      preparing the reference once (its square-root factor)
 *   prepared call          the distance for one set against the prepared reference
 *   frechetDistance        the two-sided entry point (both covariances, nothing prepared)
 * Usage: pnpm --filter @denoise/metrics bench [-- --n 10000 --dim 2048]
 */
import { parseArgs } from 'node:util';
import { syntheticPool3Features } from './synthetic-pool3-features.js';
import { featureStatistics, frechetDistance, frechetDistanceTo } from '../src/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, dim: { type: 'string', default: '2048' } } });
const n = Number(values.n);
const dim = Number(values.dim);


function timed<T>(label: string, run: () => T): T {
  const t0 = performance.now();
  const result = run();
  console.log(`${label.padEnd(24)} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return result;
}

console.log(`FID stages, n = ${n}, dim = ${dim}, node ${process.version}`);
const referenceSet = syntheticPool3Features(1, n, dim);
const generatedSet = syntheticPool3Features(2, n, dim);
const reference = timed('reference statistics', () => featureStatistics(referenceSet, n, dim));
const generated = timed('featureStatistics', () => featureStatistics(generatedSet, n, dim));
const toReference = timed('frechetDistanceTo', () => frechetDistanceTo(reference.mean, reference.cov, dim));
const prepared = timed('prepared call', () => toReference(generated.mean, generated.cov));
const twoSided = timed('frechetDistance', () => frechetDistance(generated.mean, generated.cov, reference.mean, reference.cov, dim));
console.log(`FID ${prepared} (prepared), ${twoSided} (two-sided), difference ${Math.abs(prepared - twoSided).toExponential(2)}`);
