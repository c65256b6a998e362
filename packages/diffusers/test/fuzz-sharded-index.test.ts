/**
 * Fuzz suite (issue 27): seeded mutations of a sharded safetensors checkpoint's index
 * (`diffusion_pytorch_model.safetensors.index.json`, its `weight_map` naming each tensor's shard), read by both of its
 * readers: locateComponentFiles (planWeightedComponent's shard check, the one a pipeline folder and an hf: repo get)
 * and readWeightsFile (readShardedSafetensors, which reads the shards' headers). The folder is a scratch component
 * folder: sd1-tiny's VAE config.json, and a few of its tensors split over two shards, written once; only the index is
 * written per run. The contract checked: locateComponentFiles returns the index and shards that exist, or throws
 * DiffusersFolderError naming the index; readWeightsFile returns every tensor of the weight_map from the shard it
 * names, or throws WeightsFileError naming the index. Never another error type (a RangeError from echoing a value
 * nested deeper than the stack, a TypeError from a path with a NUL, a raw ENOENT for a shard that is not there),
 * never a hang (each call is timed). Seeds are fixed, so a failure reproduces in CI.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyJsonTextSteps, expectTypedOutcomeAsync, fuzzAsync, jsonTextSteps } from '@denoise/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { locateComponentFiles } from '../src/component-files.js';
import { readWeightsFile } from '../src/component-model.js';
import { DiffusersFolderError } from '../src/model-folder.js';
import { WeightsFileError, type WeightsFile } from '../src/weights-file.js';
import { sdReferencePath, writeShards } from './fixtures.js';

/** The slowest a single read may take before we call it a hang. */
const PER_CALL_MS = 1_000;
const INDEX = 'diffusion_pytorch_model.safetensors.index.json';
const SHARDS = ['diffusion_pytorch_model-00001-of-00002.safetensors', 'diffusion_pytorch_model-00002-of-00002.safetensors'];

// tmpfs where there is one: thousands of small writes, nothing kept.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'denoise-fuzz-shards-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dir = join(scratch, 'vae');
mkdirSync(dir);
copyFileSync(sdReferencePath('sd1-tiny/vae/config.json'), join(dir, 'config.json'));
const indexPath = join(dir, INDEX);

/**
 * The first 8 tensors of sd1-tiny's VAE, alternately in the two shards (as save_pretrained splits a checkpoint); the
 * weight maps of the seeds: both shards, and the first shard's tensors alone.
 */
const weightMap = writeShards(sdReferencePath('sd1-tiny/vae/diffusion_pytorch_model.safetensors'), dir, SHARDS, 8);
const seeds = [
  JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2),
  JSON.stringify({ weight_map: weightMap }),
];

/** Names an index holds, and names that are not plain properties of an object: written over any string, key or value. */
const NAMES = [
  ...SHARDS, ...Object.keys(weightMap), INDEX, 'config.json', 'diffusion_pytorch_model.safetensors', 'weight_map', 'metadata', 'total_size',
  '', '.', '..', '../config.json', '/etc/passwd', 'sub/x.safetensors', 'x\\y', '.hidden', 'missing.safetensors', 'a\u0000b',
  'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'toJSON',
];
const VALUES = [
  '{"toString": 1}', '[]', '{}', 'null', 'true', '1e999', '"\\ud800"', `"${'x'.repeat(100_000)}"`,
  // Deeper than JSON.stringify (or String on an array) can recurse: JSON.parse reads it, a message that echoes it overflows.
  `${'['.repeat(20_000)}1${']'.repeat(20_000)}`, `["x", ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}]`, `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
];
/** A plan that came back names the index, and shards that exist beside it. */
function checkLocated(files: { readonly weightsPath: string }): void {
  expect(files.weightsPath).toBe(indexPath);
}

/** A sharded file that came back holds exactly the weight_map's tensors, each a range of the shard the map names. */
function checkRead(file: WeightsFile): void {
  const map = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
  expect([...file.tensors.keys()].sort()).toEqual(Object.keys(map).sort());
  for (const [name, tensor] of file.tensors) {
    expect(tensor.source.kind === 'file-range' && tensor.source.file).toBe(join(dir, map[name]!));
  }
}

/** The errors the readers may throw: their typed error, and its message names the index. */
const namesTheIndex = (type: typeof DiffusersFolderError | typeof WeightsFileError) => (error: unknown): boolean => error instanceof type && error.message.includes(INDEX);

async function readBoth(): Promise<void> {
  await expectTypedOutcomeAsync(() => locateComponentFiles(dir, { component: 'vae' }), namesTheIndex(DiffusersFolderError), PER_CALL_MS, checkLocated);
  await expectTypedOutcomeAsync(() => readWeightsFile(indexPath, 'safetensors'), namesTheIndex(WeightsFileError), PER_CALL_MS, checkRead);
}

describe('fuzz: a mutated sharded-checkpoint index is located and read, or refused with the typed error naming the index', () => {
  it('every seed, unmutated, is located and read: every tensor from the shard the weight_map names', async () => {
    for (const seed of seeds) {
      writeFileSync(indexPath, seed);
      checkLocated(await locateComponentFiles(dir, { component: 'vae' }));
      const file = await readWeightsFile(indexPath, 'safetensors');
      expect(file.tensors.size).toBe(8);
      checkRead(file);
    }
  });

  const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
  it.each([
    ['a shard name nested deeper than the stack', (map: string) => map.replace(`"${SHARDS[1]!}"`, deep), /weight_map names an array of 1 items, not a file beside the index/],
    ['a shard name that is an object', (map: string) => map.replace(`"${SHARDS[1]!}"`, '{"toString":1}'), /weight_map names \{"toString":1\}, not a file beside the index/],
    ['a shard name with a NUL', (map: string) => map.replace(`"${SHARDS[1]!}"`, '"a\\u0000b"'), /the shard "a\\u0000b", which (does not exist|is not a file beside the index)/],
  ])('%s: both readers throw their typed error naming the index', async (_what, edit, message) => {
    writeFileSync(indexPath, edit(seeds[1]!));
    for (const [read, type] of [
      [() => locateComponentFiles(dir, { component: 'vae' }), DiffusersFolderError],
      [() => readWeightsFile(indexPath, 'safetensors'), WeightsFileError],
    ] as const) {
      const error: unknown = await read().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toContain(INDEX);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('a shard that is no safetensors file (the config.json beside it): located (it exists), refused on reading, naming the index', async () => {
    writeFileSync(indexPath, seeds[1]!.replaceAll(`"${SHARDS[1]!}"`, '"config.json"'));
    checkLocated(await locateComponentFiles(dir, { component: 'vae' }));
    const error: unknown = await readWeightsFile(indexPath, 'safetensors').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsFileError);
    expect((error as Error).message).toMatch(new RegExp(`/config\\.json: safetensors header length .* \\(a shard named by .*/${INDEX}\\)$`));
  });

  it('byte edits, structural edits (dropped, replaced, renamed, added keys, deep nesting), shard, tensor and prototype names', async () => {
    await fuzzAsync(
      'sharded index',
      // Dictionary words twice as often as the other steps: the shard names are what the readers turn into paths.
      fc.asyncProperty(fc.constantFrom(...seeds), jsonTextSteps(NAMES, VALUES, 2), async (seed, steps) => {
        writeFileSync(indexPath, applyJsonTextSteps(seed, steps));
        await readBoth();
      }),
      { seed: 0x27_0201, numRuns: 1500, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});
