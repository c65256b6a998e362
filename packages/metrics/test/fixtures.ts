/** Reads the committed reference vectors of fixtures/metrics (written by make_metric_vectors.py). */
import { readFileSync } from 'node:fs';

export const FIXTURES = new URL('../../../fixtures/', import.meta.url);

export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, FIXTURES), 'utf8')) as T;
}

export interface KidFigures {
  kid: number;
  std: number;
  standardError: number;
  subsets: number;
  subsetSize: number;
  seed: number;
}

export interface MetricCase {
  name: string;
  dim: number;
  nx: number;
  ny: number;
  x: number[];
  y: number[];
  expected: {
    meanX: number[];
    covX: number[];
    meanY: number[];
    covY: number[];
    fid: number;
    fidSvd: number;
    fidSelf: number;
    kidFullSets: KidFigures & { mmd2Direct: number };
    kidSubsets: KidFigures;
  };
}

export const METRIC_CASES = ['metrics/gaussians-200x16.json', 'metrics/rank-deficient-12x16.json'];

/** |actual − expected| / |expected|. */
export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
