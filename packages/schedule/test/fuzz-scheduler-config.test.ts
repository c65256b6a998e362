/**
 * Fuzz suite (issue 15): seeded mutations of the real scheduler_config.json files in fixtures/models. The
 * contracts checked: parsePythonJson returns a value or throws SyntaxError (its documented contract is
 * JSON.parse's, plus bare NaN/Infinity); parseSchedulerConfig returns a config or throws ConfigError naming
 * the key. Never another error type (a TypeError from a missing field, a RangeError from deep nesting),
 * never a hang (each call is timed). Seeds are fixed, so a failure reproduces in CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fuzz, jsonMutations, mutateJson, timed as timedWithin, type Json } from '@denoise/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { parsePythonJson } from '../src/python-json.js';
import { SCHEDULER_CLASS_NAMES, parseSchedulerConfig } from '../src/scheduler-config-registry.js';

const PER_CALL_MS = 1_000;
const configs = [
  'models/test/closed-form/scheduler_config.json',
  'models/test/learned-variance/scheduler_config.json',
  'models/test/rgb/scheduler_config.json',
  'models/fmnist-unet/scheduler_config.json',
  'models/fmnist-unet-onnx/scheduler_config.json',
].map((name) => {
  const text = readFileSync(fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url)), 'utf8');
  return { name, text, value: JSON.parse(text) as Json };
});

const timed = <T>(run: () => T): T => timedWithin(run, PER_CALL_MS);

/** Text mutations: a number replaced by a bare NaN/Infinity token (or 20 000-deep nesting), byte-level edits, truncation. */
const textMutation = fc.record({
  op: fc.constantFrom('token', 'token', 'truncate', 'insert', 'delete'),
  at: fc.nat(),
  token: fc.constantFrom('NaN', 'Infinity', '-Infinity', '-NaN', 'Infinityx', '"NaN', 'NaN"', '\\', '"', '{', '}', '[', ',', ':', '1e999', '-1e999', '0x10', '\u0000', `${'['.repeat(20_000)}1${']'.repeat(20_000)}`, `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`),
  length: fc.integer({ min: 1, max: 12 }),
});
function mutateText(text: string, ms: readonly (typeof textMutation extends fc.Arbitrary<infer T> ? T : never)[]): string {
  let out = text;
  for (const m of ms) {
    const at = m.at % (out.length + 1);
    if (m.op === 'token') {
      const number = /-?\d+(\.\d+)?(e[-+]?\d+)?/i.exec(out.slice(at));
      out = number === null ? out.slice(0, at) + m.token + out.slice(at) : out.slice(0, at + number.index) + m.token + out.slice(at + number.index + number[0].length);
    } else if (m.op === 'truncate') out = out.slice(0, at);
    else if (m.op === 'insert') out = out.slice(0, at) + m.token + out.slice(at);
    else out = out.slice(0, at) + out.slice(at + m.length);
  }
  return out;
}

describe('fuzz: parsePythonJson on mutated scheduler_config.json text returns a value or throws SyntaxError', () => {
  it('NaN/Infinity tokens, truncations, insertions, deletions', () => {
    fuzz(
      'parsePythonJson',
      fc.property(fc.constantFrom(...configs), fc.array(textMutation, { minLength: 1, maxLength: 4 }), (file, ms) => {
        const text = mutateText(file.text, ms);
        let value: unknown;
        try {
          value = timed(() => parsePythonJson(text));
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          return;
        }
        // What parses goes on to the config parser, as loadModel's caller does.
        try {
          timed(() => parseSchedulerConfig(value));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }),
      { seed: 0x15_0401, numRuns: 5000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});

describe('fuzz: parseSchedulerConfig on structurally mutated configs returns a config or throws ConfigError', () => {
  it('dropped, replaced, renamed and added keys, wrong types, huge numbers, NaN strings, deep nesting; with and without a scheduler class', () => {
    fuzz(
      'parseSchedulerConfig',
      fc.property(fc.constantFrom(...configs), jsonMutations, fc.option(fc.constantFrom(...SCHEDULER_CLASS_NAMES)), (file, ms, scheduler) => {
        const value = mutateJson(file.value, ms);
        // Through text, as a file would come: parsePythonJson must read back what JSON.stringify wrote.
        const parsed = timed(() => parsePythonJson(JSON.stringify(value)));
        try {
          timed(() => parseSchedulerConfig(parsed, scheduler === null ? {} : { scheduler }));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.message).toMatch(/^invalid /);
        }
      }),
      { seed: 0x15_0402, numRuns: 5000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});
