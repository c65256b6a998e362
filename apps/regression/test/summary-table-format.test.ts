import { describe, expect, it } from 'vitest';
import type { GoldenVerdict } from '../src/golden-check.js';
import { formatSummaryTable } from '../src/summary-table.js';

const comparison = (minSsim: number, minPsnrDb: number, maxAbsDiff: number, bitIdentical: boolean, bitRequired = true) => ({
  images: [],
  minSsim,
  minPsnrDb,
  maxAbsDiff,
  ssimThreshold: 0.99,
  psnrFloorDb: 30,
  bitIdentical,
  bitRequired,
});

describe('formatSummaryTable', () => {
  it('gives one aligned row per case: worst SSIM and PSNR, limits, max abs diff', () => {
    const verdicts: GoldenVerdict[] = [
      { state: 'pass', caseName: 'ddim-10-seed0', message: '', comparison: comparison(1, Infinity, 0, true) },
      { state: 'fail', caseName: 'ddim-50-seed1', message: '', comparison: comparison(0.8123456, 21.349, 87, false, false), artifacts: { sideBySide: 'a.png', received: 'b.png' } },
      { state: 'fail', caseName: 'ddim-50-seed0', message: '', comparison: comparison(1, Infinity, 0, false), artifacts: { sideBySide: 'c.png', received: 'd.png' } },
      { state: 'stale', caseName: 'ddpm-1000-seed0', message: '' },
    ];
    expect(formatSummaryTable(verdicts).split('\n')).toEqual([
      '| case            | result | min SSIM | SSIM threshold | min PSNR dB | PSNR floor dB | max abs diff | bit-identical |',
      '|-----------------|--------|----------|----------------|-------------|---------------|--------------|---------------|',
      '| ddim-10-seed0   | pass   | 1.000000 | 0.99           | ∞           | 30            | 0            | yes           |',
      '| ddim-50-seed1   | fail   | 0.812346 | 0.99           | 21.35       | 30            | 87           | no            |',
      '| ddim-50-seed0   | fail   | 1.000000 | 0.99           | ∞           | 30            | 0            | NO (required) |',
      '| ddpm-1000-seed0 | stale  | –        | –              | –           | –             | –            | –             |',
    ]);
  });
});
