/**
 * The eight cases of the shared fid-inception reference (fixtures/fid-kid/cases.json; its README, "Tolerance rule"),
 * their synthetic sets (made once per test file) and the sets' statistics, for the FID and KID reference-case tests.
 */
import { readFileSync } from 'node:fs';
import { parseNpz } from '@denoise/image';
import { featureStatistics, type FeatureStatistics } from '../src/index.js';
import { FIXTURES } from './fixtures.js';
import { SYNTHETIC_DIM as DIM, syntheticSet, type SyntheticSetSpec } from './synthetic-feature-sets.js';

export interface SetReference {
  name: string;
  spec: SyntheticSetSpec;
  shape: [number, number];
  sha256_le_f32: string;
}
export interface ReferenceCase {
  set1: SetReference;
  set2: SetReference;
  fid_exact_f64: { fid: number; trace1: number; trace2: number };
  kid_torch_fidelity_f64: { mean: number; std: number; subset_size: number };
}

export const CASES = JSON.parse(readFileSync(new URL('fid-kid/cases.json', FIXTURES), 'utf8')) as Record<string, ReferenceCase>;
export const NAMES = Object.keys(CASES);
/** Cases whose subsets are drawn (m < n1 or m < n2): their subsets and per-subset MMD² are stored. */
export const DRAWN = ['mixed500x2000', 'n2000', 'n3000'];

const sets = new Map<string, Float32Array>();
export function features(set: SetReference): Float32Array {
  let x = sets.get(set.name);
  if (x === undefined) {
    x = syntheticSet(set.spec);
    sets.set(set.name, x);
  }
  return x;
}

const statistics = new Map<string, FeatureStatistics>();
/** featureStatistics of a set, once per set (A500 is in four cases). */
export function setStatistics(set: SetReference): FeatureStatistics {
  let s = statistics.get(set.name);
  if (s === undefined) {
    s = featureStatistics(features(set), set.shape[0], DIM);
    statistics.set(set.name, s);
  }
  return s;
}

export function readNpz(relative: string): Map<string, { data: ArrayLike<number> }> {
  return parseNpz(readFileSync(new URL(relative, FIXTURES))) as Map<string, { data: ArrayLike<number> }>;
}
