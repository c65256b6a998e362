/**
 * Fuzz suite (issue 15): seeded structural mutations of the real fixtures/golden/manifest.json. The contract
 * checked: parseGoldenManifest returns a manifest or throws ConfigError naming the key (as readGoldenManifest's
 * callers expect). Never another error type, never a hang (each call is timed). Seed fixed for CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@denoise/schedule';
import { expectTypedOutcome, fuzz, jsonMutations, mutateJson, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseGoldenManifest } from '../src/golden-manifest.js';

const PER_CALL_MS = 1_000;
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/golden/manifest.json', import.meta.url)), 'utf8')) as Json;

describe('fuzz: parseGoldenManifest on mutated manifests returns a manifest or throws ConfigError', () => {
  it('dropped, replaced, renamed and added keys, wrong types, huge numbers, NaN strings, deep nesting', () => {
    fuzz(
      'parseGoldenManifest',
      fc.property(jsonMutations, (ms) => {
        const value = JSON.parse(JSON.stringify(mutateJson(manifest, ms))) as unknown;
        expectTypedOutcome(() => parseGoldenManifest(value), [ConfigError], PER_CALL_MS);
      }),
      { seed: 0x15_0501, numRuns: 3000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});
