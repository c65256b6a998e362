/**
 * Fuzz suite (issue 15): seeded mutations of the real scheduler_config.json files in fixtures/models. The
 * contracts checked: parsePythonJson returns a value or throws SyntaxError (its documented contract is
 * JSON.parse's, plus bare NaN/Infinity); parseSchedulerConfig returns a config or throws ConfigError naming
 * the key. Never another error type (a TypeError from a missing field, a RangeError from deep nesting),
 * never a hang (each call is timed). Seeds are fixed, so a failure reproduces in CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { parsePythonJson } from '../src/python-json.js';
import { SCHEDULER_CLASS_NAMES, parseSchedulerConfig } from '../src/scheduler-config.js';

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

function timed<T>(run: () => T): T {
  const started = performance.now();
  try {
    return run();
  } finally {
    expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
  }
}

/** fc.assert that also reports how many runs were made (the suite's per-parser budget). */
function fuzz<T>(label: string, property: fc.IProperty<T>, params: fc.Parameters<T>): void {
  const details = fc.check(property, params);
  console.log(`fuzz ${label}: ${details.numRuns} runs${details.interrupted ? ' (stopped at the time limit)' : ''}, seed ${String(params.seed)}`);
  if (details.failed) {
    const cause = details.errorInstance;
    throw new Error(`${fc.defaultReportMessage(details) ?? ''}
Got: ${cause instanceof Error ? `${cause.name}: ${cause.message.slice(0, 500)}` : String(cause)}`, { cause });
  }
}

// ---- JSON structural mutations (drop / replace / add keys, wrong types, huge numbers, NaN strings, deep nesting) ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/**
 * Deep nesting, built when applied (so that a counterexample prints small): the value wrapped `depth` times.
 * At most 1500: JSON.stringify (the test's, not the parser's) overflows a vitest worker's stack near 5000.
 */
const nesting = fc.option(fc.record({ depth: fc.integer({ min: 50, max: 1500 }), kind: fc.constantFrom('array', 'object') }), { freq: 4 });
function nest(value: Json, how: { depth: number; kind: string } | null): Json {
  if (how === null) return value;
  for (let i = 0; i < how.depth; i++) value = how.kind === 'array' ? [value] : { a: value };
  return value;
}
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 31), 1e-320, '', 'NaN', 'Infinity', '-Infinity', 'x', [], {}, [1, 2, 3], { a: 1 }),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);
const keyName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '', 'x', '_class_name', 'version', 'schema', 'name', 'dtype'), fc.string({ maxLength: 8 }));
const jsonMutation = fc.record({
  op: fc.constantFrom('drop', 'replace', 'replace', 'addKey', 'wrap', 'rename'),
  target: fc.nat(),
  key: keyName,
  value: replacement,
  nesting,
});
type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never;

interface Node {
  readonly parent: Json[] | { [key: string]: Json } | undefined;
  readonly key: string | number | undefined;
  readonly value: Json;
}

function nodesOf(root: Json): Node[] {
  const nodes: Node[] = [];
  const stack: Node[] = [{ parent: undefined, key: undefined, value: root }];
  while (stack.length > 0 && nodes.length < 20_000) {
    const node = stack.pop()!;
    nodes.push(node);
    const v = node.value;
    if (Array.isArray(v)) v.forEach((child, i) => stack.push({ parent: v, key: i, value: child }));
    else if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) stack.push({ parent: v, key: k, value: child });
  }
  return nodes;
}

function setOwn(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations to a deep copy of `base` (the root itself may be replaced). */
function mutateJson(base: Json, mutations: readonly JsonMutation[]): Json {
  let root = structuredClone(base);
  for (const m of mutations) {
    const nodes = nodesOf(root);
    const node = nodes[m.target % nodes.length]!;
    const { parent, key } = node;
    const value = nest(structuredClone(m.value), m.nesting); // fresh: generated values may be shared between runs
    const replace = (value: Json): void => {
      if (parent === undefined) root = value;
      else setOwn(parent, key!, value);
    };
    switch (m.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (parent !== undefined) delete parent[key as string];
        break;
      case 'replace':
        replace(value);
        break;
      case 'addKey':
        if (node.value !== null && typeof node.value === 'object' && !Array.isArray(node.value)) setOwn(node.value, m.key, value);
        else if (Array.isArray(node.value)) node.value.push(value);
        break;
      case 'wrap':
        replace(Array.isArray(node.value) ? { [m.key]: node.value } : [node.value]);
        break;
      case 'rename':
        if (parent !== undefined && !Array.isArray(parent)) {
          delete parent[key as string];
          setOwn(parent, m.key, node.value);
        }
        break;
    }
  }
  return root;
}

const jsonMutations = fc.array(jsonMutation, { minLength: 1, maxLength: 3 });

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
