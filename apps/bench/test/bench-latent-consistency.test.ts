/**
 * `pnpm bench` on a latent consistency model (the tiny LCM reference): the guidance scale enters as the UNet's
 * guidance embedding at the pipeline's default 8.5, the UNet runs at the batch (no classifier-free doubling), and the
 * images are exactly textToImage's from the same per-image seeds, for one step and for four (which draw step noise).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openModel } from '@denoise/runtime';
import { createScheduler, imageSeeds, textToImage } from '@denoise/sampler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';
import { imageHashes } from '../src/sweep-store.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const LCM = fileURLToPath(new URL('../../../fixtures/diffusers-sd/lcm-tiny', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-bench-lcm-'));
const BATCH = 2;

let result: BenchResult;
let stderr = '';

beforeAll(() => {
  const run = spawnSync(
    process.execPath,
    [BENCH, '--model', LCM, '--samplers', 'lcm-1,lcm-4', '--reference', 'lcm-8', '--batch', String(BATCH), '--iterations', '1', '--threads', '1', '--json', '--out', join(work, 'out')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  stderr = run.stderr;
  expect(run.status, stderr).toBe(0);
  result = parseBenchResult(JSON.parse(run.stdout), 'stdout');
}, 130_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pnpm bench on a latent consistency model', () => {
  it('takes the pipeline’s guidance 8.5 as an embedding, with the UNet at the batch', () => {
    expect(result.settings.textToImage).toMatchObject({ pipeline: 'LatentConsistencyModelPipeline', guidanceScale: 8.5, guidance: 'embedding' });
    expect(stderr).toMatch(/guidance scale 8\.5 \(as the UNet's guidance embedding\)/);
    expect(result.configurations.map((c) => [c.name, c.modelCalls])).toEqual([
      ['lcm-1', 1],
      ['lcm-4', 4],
      ['lcm-8', 8],
    ]);
  });

  it('makes exactly the images textToImage makes from the same per-image seeds', async () => {
    const model = await openModel(LCM, { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`lcm-tiny opened as ${model.kind}`);
    const prompts = result.settings.textToImage!.prompts;
    try {
      for (const steps of [1, 4]) {
        const generated = await textToImage({
          model: model.textToImageModel(),
          scheduler: createScheduler('lcm', model.schedulerConfig),
          steps,
          prompts: [0, 1].map((k) => prompts[k % prompts.length]!),
          guidanceScale: 8.5,
          height: 32,
          width: 32,
          imageSeeds: imageSeeds(0, 0, BATCH),
          generator: 'torch',
        });
        expect(generated.guidance).toBe('embedding');
        const digest = createHash('sha256').update(imageHashes(generated.images, BATCH).join('\n')).digest('hex');
        expect(digest, `lcm-${steps}`).toBe(result.configurations.find((c) => c.name === `lcm-${steps}`)!.imageDigest);
      }
    } finally {
      await model.dispose();
    }
  });
});

describe('pnpm bench on an LCM folder with no --samplers or --reference', () => {
  it('runs the folder’s own sampler, lcm-1 … lcm-8 against lcm-8, not the DDPM family’s list', () => {
    const run = spawnSync(process.execPath, [BENCH, '--model', LCM, '--batch', String(BATCH), '--iterations', '1', '--threads', '1', '--json', '--out', join(work, 'defaults')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('an LCMScheduler folder: configurations lcm-1,lcm-2,lcm-4,lcm-8, reference lcm-8 (--samplers and --reference override)');
    const defaults = parseBenchResult(JSON.parse(run.stdout), 'stdout');
    expect(defaults.settings.reference).toBe('lcm-8');
    expect(defaults.configurations.map((c) => [c.name, c.quality.kind])).toEqual([
      ['lcm-1', 'measured'],
      ['lcm-2', 'stochastic'],
      ['lcm-4', 'stochastic'],
      ['lcm-8', 'reference'],
    ]);
  }, 130_000);
});
