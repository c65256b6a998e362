/**
 * FID on all eight fid-inception reference cases (fixtures/fid-kid/cases.json): featureStatistics of both sets,
 * then frechetDistance, against the exact float64 value, as |FID − fid_exact| / (tr Σ1 + tr Σ2) next to the
 * tolerance of test/fid-reference-cases.test.ts (1e-9; the reference's rule allows 1e-6). The CI test checks
 * the cases that run in a few seconds; n2000, n3000 and mixed500x2000 (20 s each on two cores) are checked here.
 * Exits 1 when a case is outside the tolerance.
 * Usage: pnpm --filter @denoise/metrics bench:cases [-- --cases n2000,n3000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { featureStatistics, frechetDistance } from '../src/index.js';
import { sha256LeF32, SYNTHETIC_DIM as DIM, syntheticSet, type SyntheticSetSpec } from '../test/synthetic-feature-sets.js';

interface SetReference {
  name: string;
  spec: SyntheticSetSpec;
  shape: [number, number];
  sha256_le_f32: string;
}
interface ReferenceCase {
  set1: SetReference;
  set2: SetReference;
  fid_exact_f64: { fid: number; trace1: number; trace2: number };
}

const TOLERANCE = 1e-9;
const CASES = JSON.parse(readFileSync(new URL('../../../../fixtures/fid-kid/cases.json', import.meta.url), 'utf8')) as Record<string, ReferenceCase>;
const { values } = parseArgs({ options: { cases: { type: 'string', default: Object.keys(CASES).join(',') } } });

const sets = new Map<string, Float32Array>();
function features(set: SetReference): Float32Array {
  let x = sets.get(set.name);
  if (x === undefined) {
    x = syntheticSet(set.spec);
    if (sha256LeF32(x) !== set.sha256_le_f32) throw new Error(`${set.name}: sha256 differs from cases.json`);
    sets.set(set.name, x);
  }
  return x;
}

console.log(`FID reference cases, error = |FID − fid_exact| / (tr Σ1 + tr Σ2), tolerance ${TOLERANCE}, node ${process.version}`);
for (const name of values.cases.split(',')) {
  const c = CASES[name];
  if (c === undefined) throw new Error(`no case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  const [x1, x2] = [features(c.set1), features(c.set2)];
  const t0 = performance.now();
  const s1 = featureStatistics(x1, c.set1.shape[0], DIM);
  const s2 = featureStatistics(x2, c.set2.shape[0], DIM);
  const fid = frechetDistance(s1.mean, s1.cov, s2.mean, s2.cov, DIM);
  const seconds = (performance.now() - t0) / 1000;
  const exact = c.fid_exact_f64;
  const error = Math.abs(fid - exact.fid) / (exact.trace1 + exact.trace2);
  const ok = error <= TOLERANCE;
  if (!ok) process.exitCode = 1;
  console.log(`${name.padEnd(14)} ${c.set1.shape[0]}×${c.set2.shape[0]}  FID ${fid.toPrecision(15).padStart(20)}  error ${error.toExponential(2)}  ${ok ? 'ok' : 'OUT OF TOLERANCE'}  (${seconds.toFixed(1)} s)`);
}
