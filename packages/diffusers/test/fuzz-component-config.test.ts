/**
 * Fuzz suite (issue 27): seeded mutations of the components' config.json files in fixtures/ (UNet2DModel,
 * UNet2DConditionModel, AutoencoderKL, CLIPTextModel / CLIPTextModelWithProjection: the tiny pipelines, the tiny
 * UNets and the published configs), read as buildComponent reads them: readJsonObject, then the class's parser with
 * the file as its source. The contract checked: the parser returns a config, or throws ModelConfigError naming the
 * file (and the key at fault, when there is one), or readJsonObject throws DiffusersFolderError naming the file. Never
 * another error type (a RangeError from echoing a value nested deeper than the stack, a TypeError from a key of
 * Object.prototype), never a hang (each call is timed), never a message that echoes a huge value whole. Seeds are
 * fixed, so a failure reproduces in CI.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyJsonTextSteps, expectTypedOutcomeAsync, fuzzAsync, jsonTextSteps } from '@denoise/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClipTextConfig } from '../src/clip-text-config.js';
import { ModelConfigError } from '../src/config-reader.js';
import { DiffusersFolderError, readJsonObject } from '../src/model-folder.js';
import { parseUNet2DConditionConfig } from '../src/unet-condition-config.js';
import { parseUNet2DConfig } from '../src/unet-config.js';
import { parseAutoencoderKLConfig } from '../src/vae-config.js';

/** The slowest a single read may take before we call it a hang. */
const PER_CALL_MS = 1_000;
/** The longest message a refusal may have: values are cut to 80 characters, keys listed once. */
const MAX_MESSAGE = 2_000;
const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** The parser of each class a fixture's config.json names (diffusers' _class_name, transformers' architectures). */
const PARSERS: Record<string, (json: unknown, source: string) => unknown> = {
  UNet2DModel: parseUNet2DConfig,
  UNet2DConditionModel: parseUNet2DConditionConfig,
  AutoencoderKL: parseAutoencoderKLConfig,
  CLIPTextModel: parseClipTextConfig,
  CLIPTextModelWithProjection: parseClipTextConfig,
};

/** Every component config.json (and published *.config.json) under fixtures/diffusers-sd and fixtures/diffusers-unet. */
const seeds = ['diffusers-sd', 'diffusers-unet']
  .flatMap((top) => readdirSync(join(FIXTURES, top), { recursive: true, encoding: 'utf8' }).map((f) => join(FIXTURES, top, f)))
  .filter((path) => /(^|[/.])config\.json$/.test(path) && !/(tokenizer|scheduler)/.test(path))
  .sort()
  .map((path) => {
    const text = readFileSync(path, 'utf8');
    const json = JSON.parse(text) as { _class_name?: string; architectures?: string[] };
    const className = json._class_name ?? json.architectures?.[0] ?? '';
    return { name: relative(FIXTURES, path), className, parse: PARSERS[className]!, text };
  });

// tmpfs where there is one: thousands of small writes, nothing kept.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'denoise-fuzz-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const configPath = join(scratch, 'config.json');

/** Names a config holds (every key of every seed, the classes), and names that are not plain properties of an object. */
const NAMES = [
  ...new Set(seeds.flatMap((s) => Object.keys(JSON.parse(s.text) as object))),
  ...Object.keys(PARSERS), 'CLIPTextConfig', 'clip_text_model', 'UNetMidBlock2DCrossAttn', 'CrossAttnDownBlock2D', 'UpBlock2D', 'silu', 'quick_gelu', 'gelu',
  'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'toJSON', 'isPrototypeOf', '__defineGetter__',
];
const VALUES = [
  '{"toString": 1}', '{"valueOf": {}, "toString": []}', '[{"toString": 1}]', '[null, null]', '[]', '{}', 'null', 'true', '0', '-1', '3', '1e999', '1e308', '0.5', '"\\ud800"',
  '[1, 2]', '[32, 64]', '[64, 64, 64, 64]', `[${Array(17).fill(32).join(', ')}]`, `[${Array(100_000).fill(1).join(',')}]`, `"${'x'.repeat(100_000)}"`,
  // Deeper than JSON.stringify (or String on an array) can recurse: JSON.parse reads it, a message that echoes it overflows.
  `${'['.repeat(20_000)}1${']'.repeat(20_000)}`, `["x", ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}]`, `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
];
/** The errors allowed: typed, naming the file (and the key, when one is at fault), and short. */
function namesTheFile(error: unknown): boolean {
  if (!(error instanceof ModelConfigError || error instanceof DiffusersFolderError)) return false;
  if (!error.message.includes(configPath) || error.message.length > MAX_MESSAGE) return false;
  return !(error instanceof ModelConfigError) || error.key === undefined || error.message.includes(error.key.slice(0, 80));
}

async function read(parse: (json: unknown, source: string) => unknown): Promise<unknown> {
  return parse(await readJsonObject(configPath), configPath);
}

describe('fuzz: a mutated component config.json parses, or is refused with ModelConfigError (or DiffusersFolderError) naming the file', () => {
  it('every seed, unmutated, parses with its class’s parser', async () => {
    expect(seeds.length).toBeGreaterThanOrEqual(50);
    for (const seed of seeds) {
      expect(seed.parse, seed.name).toBeDefined();
      writeFileSync(configPath, seed.text);
      await read(seed.parse);
    }
  });

  const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
  const seed = (className: string) => seeds.find((s) => s.className === className)!;
  it.each([
    ['UNet2DConditionModel', 'dropout', deep],
    ['UNet2DConditionModel', 'mid_block_only_cross_attention', deep],
    ['CLIPTextModel', 'model_type', deep],
    ['CLIPTextModel', 'pruned_heads', deep],
    ['CLIPTextModel', 'architectures', deep],
    ['CLIPTextModel', 'model_type', `"${'x'.repeat(100_000)}"`],
    ['UNet2DConditionModel', 'encoder_hid_dim', deep],
    ['AutoencoderKL', 'latents_mean', deep],
  ])('%s with %s = a value nested deeper than the stack, or huge: ModelConfigError naming the file and the key', async (className, key, value) => {
    const json = JSON.parse(seed(className).text) as Record<string, unknown>;
    json[key] = 'VALUE';
    writeFileSync(configPath, JSON.stringify(json).replace('"VALUE"', value));
    const error: unknown = await read(seed(className).parse).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as ModelConfigError).key).toBe(key);
    expect(namesTheFile(error)).toBe(true);
  });

  it('byte edits, structural edits (dropped, replaced, renamed, added keys, deep nesting), config keys, class and prototype names', async () => {
    await fuzzAsync(
      'component config.json',
      fc.asyncProperty(fc.constantFrom(...seeds), jsonTextSteps(NAMES, VALUES), async (seed, steps) => {
        writeFileSync(configPath, applyJsonTextSteps(seed.text, steps));
        await expectTypedOutcomeAsync(() => read(seed.parse), namesTheFile, PER_CALL_MS);
      }),
      { seed: 0x27_0301, numRuns: 2000, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});
