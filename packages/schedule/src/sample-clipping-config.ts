// The keys of x0 clipping (DDPM, DDIM, Heun, LCM) and of dynamic thresholding (DDPM, DDIM, DPM-Solver, UniPC, LCM),
// which those classes read alike (see sample-clipping.ts for the thresholding itself).

import { configKey, positive, readBoolean, readNumber, type KeyTable } from './scheduler-config.js';

export interface SampleClippingConfig {
  /** DDPM, DDIM, Heun, LCM: x0 is clamped to ±clip_sample_range. */
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /** DDPM, DDIM, DPM-Solver, UniPC, LCM: dynamic thresholding of x0 (Saharia et al. 2022). */
  readonly thresholding: boolean;
  readonly dynamicThresholdingRatio: number;
  readonly sampleMaxValue: number;
}

export const SAMPLE_CLIPPING_KEYS: KeyTable = {
  clip_sample: configKey('clipSample', readBoolean),
  clip_sample_range: configKey('clipSampleRange', positive),
  thresholding: configKey('thresholding', readBoolean),
  dynamic_thresholding_ratio: configKey('dynamicThresholdingRatio', (k, v) =>
    readNumber(k, v, 'a finite number in (0, 1]', (x) => x > 0 && x <= 1),
  ),
  sample_max_value: configKey('sampleMaxValue', positive),
};

/** The fields' values in a class that does not take the keys: diffusers' DDPM/DDIM defaults. */
export const SAMPLE_CLIPPING_FALLBACK: SampleClippingConfig = {
  clipSample: true,
  clipSampleRange: 1.0,
  thresholding: false,
  dynamicThresholdingRatio: 0.995,
  sampleMaxValue: 1.0,
};

/**
 * The three thresholding parameters with their defaults, listed together by DPM-Solver, UniPC and LCM (DDPM and DDIM
 * put clip_sample_range between the last two, so they spell the four out).
 */
export const THRESHOLDING_DEFAULTS = { thresholding: false, dynamic_thresholding_ratio: 0.995, sample_max_value: 1.0 } as const;
