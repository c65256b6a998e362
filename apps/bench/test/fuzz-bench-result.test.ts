/**
 * Fuzz suite (issue 15): seeded structural mutations of the real benchmarks/baseline/result.json. The contract
 * checked: parseBenchResult(upgradeBenchResult(value), 'result.json') either accepts the value or throws TypeError whose
 * message starts 'result.json: not a bench result:' and names the key path (parseBenchResult's documented contract). Never another
 * error type, never a bare TypeError from a missing field, never a hang (each call is timed). Seed fixed for CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expectTypedOutcome, fuzz, jsonMutations, mutateJson, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBenchResult, upgradeBenchResult } from '../src/bench-result.js';

const PER_CALL_MS = 1_000;
const baseline = JSON.parse(readFileSync(fileURLToPath(new URL('../../../benchmarks/baseline/result.json', import.meta.url)), 'utf8')) as Json;
/** The same result as schema 1 wrote it, so upgradeBenchResult's path is fuzzed too. */
const schema1 = (() => {
  const v = structuredClone(baseline) as { schema: string; configurations: Record<string, Json>[] };
  v.schema = 'denoise-bench/1';
  v.configurations = v.configurations.map(({ modelCalls: _m, callsPerSec, modelMsPerCall, loopMsPerCall, ...rest }) => ({
    ...rest,
    stepsPerSec: callsPerSec!,
    modelMsPerStep: modelMsPerCall!,
    loopMsPerStep: loopMsPerCall!,
  }));
  return v as unknown as Json;
})();

function checkTyped(value: unknown): void {
  expectTypedOutcome(
    () => parseBenchResult(upgradeBenchResult(value), 'result.json'),
    (error) => error instanceof TypeError && error.message.startsWith('result.json: not a bench result: '),
    PER_CALL_MS,
  );
}

describe('fuzz: parseBenchResult(upgradeBenchResult(result.json)) accepts or throws its TypeError naming the key', () => {
  it('dropped, replaced, renamed and added keys, wrong types, huge numbers, NaN strings, deep nesting (schema 2 and schema 1)', () => {
    fuzz(
      'parseBenchResult',
      fc.property(fc.constantFrom(baseline, schema1), jsonMutations, (base, ms) => {
        checkTyped(JSON.parse(JSON.stringify(mutateJson(base, ms))));
      }),
      { seed: 0x15_0601, numRuns: 3000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});

describe('fuzz regressions: upgradeBenchResult', () => {
  it('leaves a non-object schema-1 configuration to parseBenchResult (counterexample: {"schema":"denoise-bench/1","configurations":[null]} crashed with "Cannot destructure property \'stepsPerSec\' of \'c\' as it is null")', () => {
    for (const configuration of [null, 1, 'x']) {
      const value = { ...(structuredClone(schema1) as Record<string, Json>), configurations: [configuration] };
      expect(() => parseBenchResult(upgradeBenchResult(value), 'result.json')).toThrow(/^result\.json: not a bench result: configurations\[0\]: /);
    }
  });
});
