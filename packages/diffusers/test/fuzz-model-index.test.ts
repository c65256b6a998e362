/**
 * Fuzz suite (issue 27): seeded mutations of the real model_index.json files of fixtures/diffusers-sd (the tiny
 * pipelines and the published ones), read by locateDiffusersModel as the runtime's openModel reads them
 * (readJsonObject, then planModelFiles: the pipeline plan, or the UNet2DModel check). The folder is a scratch copy of
 * sdxl-tiny whose component folders are links, so every seed names components that exist. The contract checked:
 * locateDiffusersModel returns a plan whose files exist, or throws DiffusersFolderError naming model_index.json.
 * Never another error type (a TypeError from a component class looked up on Object.prototype, a RangeError from deep
 * nesting), never a hang (each call is timed). Seeds are fixed, so a failure reproduces in CI.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyJsonTextSteps, expectTypedOutcomeAsync, fuzzAsync, jsonTextSteps } from '@denoise/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DiffusersFolderError, locateDiffusersModel, type DiffusersModelFolder } from '../src/model-folder.js';
import { pipelinePlanPaths, TEXT_TO_IMAGE_PIPELINES } from '../src/pipeline-file-plan.js';
import { sdReferencePath } from './fixtures.js';

/** The slowest a single read may take before we call it a hang. */
const PER_CALL_MS = 1_000;
const seeds = [
  ['sd1-tiny', 'StableDiffusionPipeline'],
  ['sd2-tiny', 'StableDiffusionPipeline'],
  ['lcm-tiny', 'LatentConsistencyModelPipeline'],
  ['sdxl-tiny', 'StableDiffusionXLPipeline'],
  ['published/runwayml--stable-diffusion-v1-5', 'StableDiffusionPipeline'],
  ['published/stabilityai--stable-diffusion-2-1-base', 'StableDiffusionPipeline'],
  ['published/SimianLuo--LCM_Dreamshaper_v7', 'LatentConsistencyModelPipeline'],
  ['published/stabilityai--stable-diffusion-xl-base-1.0', 'StableDiffusionXLPipeline'],
].map(([folder, pipelineClass]) => ({ folder: folder!, pipelineClass: pipelineClass!, text: readFileSync(sdReferencePath(`${folder}/model_index.json`), 'utf8') }));

// tmpfs where there is one: thousands of small writes, nothing kept.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'denoise-fuzz-index-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
/** sdxl-tiny's components (a superset of the SD ones), linked: only model_index.json is written per run. */
const root = join(scratch, 'pipeline');
mkdirSync(root);
for (const component of ['unet', 'vae', 'text_encoder', 'text_encoder_2', 'tokenizer', 'tokenizer_2', 'scheduler']) {
  symlinkSync(sdReferencePath(`sdxl-tiny/${component}`), join(root, component), 'dir');
}
const indexPath = join(root, 'model_index.json');

/**
 * Names a model_index.json holds (and names that are not plain properties of an object: those of Object.prototype),
 * written over any string of the file, key or value; and values written over a string or literal in a value's place.
 */
const NAMES = [
  ...Object.keys(TEXT_TO_IMAGE_PIPELINES),
  'StableDiffusionInpaintPipeline', 'DDPMPipeline', 'UNet2DModel', 'UNet2DConditionModel', 'AutoencoderKL', 'CLIPTextModel',
  'CLIPTextModelWithProjection', 'CLIPTokenizer', 'diffusers', 'transformers', '_class_name', 'unet', 'vae', 'text_encoder',
  'text_encoder_2', 'tokenizer', 'tokenizer_2', 'scheduler', 'safety_checker', 'force_zeros_for_empty_prompt',
  'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'toJSON', 'isPrototypeOf', '__defineGetter__',
];
const VALUES = [
  '{"toString": 1}', '{"valueOf": {}, "toString": []}', '["diffusers", {"toString": 1}]', '["diffusers"]', '[null, null]', '[]', 'null', 'true', '[1e999]', '"\\ud800"',
  // Deeper than JSON.stringify (or String on an array) can recurse: JSON.parse reads it, a message that echoes it overflows.
  `${'['.repeat(20_000)}1${']'.repeat(20_000)}`, `["diffusers", ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}]`, `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
];
/** A plan that came back names files of the folder, and a pipeline class that is one denoise runs. */
function checkLocated(located: DiffusersModelFolder): void {
  if (located.kind === 'pipeline') {
    expect(Object.hasOwn(TEXT_TO_IMAGE_PIPELINES, located.folder.plan.pipelineClass)).toBe(true);
    for (const file of pipelinePlanPaths(located.folder.plan)) expect(existsSync(located.folder.path(file))).toBe(true);
  } else {
    expect(existsSync(located.folder.configPath) && existsSync(located.folder.weightsPath)).toBe(true);
  }
}

/** The error the reader may throw: DiffusersFolderError, and its message names the file at fault. */
const namesTheIndex = (error: unknown): boolean => error instanceof DiffusersFolderError && error.message.includes('model_index.json');

describe('fuzz: locateDiffusersModel on mutated model_index.json returns a plan or throws DiffusersFolderError naming the file', () => {
  it('every seed, unmutated, is located as its pipeline', async () => {
    for (const seed of seeds) {
      writeFileSync(indexPath, seed.text);
      const located = await locateDiffusersModel(root);
      expect(located.kind === 'pipeline' && located.folder.plan.pipelineClass).toBe(seed.pipelineClass);
      checkLocated(located);
    }
  });

  it.each([
    ['a _class_name of Object.prototype', { _class_name: 'toString' }, /toString/],
    ['a component class that is an object with a "toString" key', { unet: ['diffusers', { toString: 1 }] }, /'unet' component of class UNet2DConditionModel; it is \{"toString":1\}/],
    ['a component class nested deeper than the stack', { unet: ['diffusers', 'DEEP'] }, /'unet' component .* it is an array of 1 items/],
    ['a force_zeros_for_empty_prompt nested deeper than the stack', { force_zeros_for_empty_prompt: 'DEEP' }, /force_zeros_for_empty_prompt must be true or false, got an array of 1 items/],
  ])('%s: DiffusersFolderError', async (_what, change, message) => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    writeFileSync(indexPath, JSON.stringify({ ...JSON.parse(seeds[3]!.text), ...change }).replaceAll('"DEEP"', deep));
    const error: unknown = await locateDiffusersModel(root).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DiffusersFolderError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('model_index.json');
  });

  it('byte edits, structural edits (dropped, replaced, renamed, added keys, deep nesting), class and prototype names', async () => {
    await fuzzAsync(
      'model_index.json',
      fc.asyncProperty(fc.constantFrom(...seeds), jsonTextSteps(NAMES, VALUES), async (seed, steps) => {
        writeFileSync(indexPath, applyJsonTextSteps(seed.text, steps));
        await expectTypedOutcomeAsync(() => locateDiffusersModel(root), namesTheIndex, PER_CALL_MS, checkLocated);
      }),
      { seed: 0x27_0101, numRuns: 1500, interruptAfterTimeLimit: 3_000 },
    );
  }, 30_000);
});

