/**
 * `pnpm bench` on a Stable Diffusion pipeline (the tiny sd1 reference, 32×32 images): every batch is timed part by
 * part, every configuration is scored against the reference's images from the same latents and prompts, and the
 * images are exactly those of textToImage — `denoise sample`'s path — run from the same per-image seeds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openModel, type LoadedPipeline } from '@denoise/runtime';
import { createScheduler, imageSeeds, textToImage } from '@denoise/sampler';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchResult, type BenchResult } from '../src/bench-result.js';
import { imageHashes } from '../src/sweep-store.js';

const BENCH = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const SD1 = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'denoise-bench-sd-'));
const PROMPTS = ['a red bicycle leaning on a wall', 'a bowl of cherries', 'a lighthouse at night'];
const NEGATIVE = 'blurry, low quality';
const BATCH = 2;
const CHROMIUM = '/usr/bin/chromium';

let result: BenchResult;
let stderr = '';
let out = '';

beforeAll(() => {
  const prompts = join(work, 'prompts.txt');
  // Comments and blank lines are skipped; CRLF line ends are read as line ends.
  writeFileSync(prompts, `# three prompts\r\n${PROMPTS[0]}\r\n\r\n${PROMPTS[1]}\n  # indented comment\n${PROMPTS[2]}\n`);
  out = join(work, 'out');
  // ddim-5 and dpm-solver-5 run 2 batches each: images 0–3, whose prompts wrap around (image 3 takes prompt 0).
  const run = spawnSync(
    process.execPath,
    [BENCH, '--model', SD1, '--prompts', prompts, '--negative-prompt', NEGATIVE, '--samplers', 'ddim-5,dpm-solver-5', '--reference', 'ddim-10', '--batch', String(BATCH), '--iterations', '2', '--threads', '1', '--json', '--out', out],
    { encoding: 'utf8', timeout: 120_000 },
  );
  stderr = run.stderr;
  expect(run.status, stderr).toBe(0);
  result = parseBenchResult(JSON.parse(run.stdout), 'stdout');
}, 130_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pnpm bench on a Stable Diffusion pipeline', () => {
  it('records the conditioning: the prompts and their sha256, the negative prompt, the guidance scale, the image size', () => {
    expect(result.settings).toMatchObject({ batch: BATCH, reference: 'ddim-10', imageSize: { height: 32, width: 32 } });
    expect(result.settings.textToImage).toEqual({
      pipeline: 'StableDiffusionPipeline',
      prompts: PROMPTS,
      promptsSha256: createHash('sha256').update(PROMPTS.join('\n')).digest('hex'),
      negativePrompt: NEGATIVE,
      guidanceScale: 7.5,
      guidance: 'classifier-free',
    });
    expect(stderr).toMatch(/32×32 images from 4×16×16 latents; 3 prompt\(s\) from .*prompts\.txt; guidance scale 7\.5 \(the UNet runs at batch 4\)/);
  });

  it('splits every batch into text encoding, UNet calls, loop and VAE decoding; model ms/call stays the UNet\'s', () => {
    expect(result.configurations.map((c) => [c.name, c.modelCalls, c.wall.samples, c.images])).toEqual([
      ['ddim-5', 5, 2, 4],
      ['dpm-solver-5', 5, 2, 4],
      ['ddim-10', 10, 1, 2],
    ]);
    for (const c of result.configurations) {
      const split = c.split!;
      expect(split.textMs).toBeGreaterThan(0);
      expect(split.decodeMs).toBeGreaterThan(0);
      // The per-call figures and the split are the same measurements: UNet = model ms/call × calls, per batch.
      expect(split.unetMs).toBeCloseTo(c.modelMsPerCall * c.modelCalls, 6);
      expect(split.loopMs).toBeCloseTo(c.loopMsPerCall * c.modelCalls, 6);
      // The parts fit in the wall time of a batch.
      expect(split.textMs + split.unetMs + split.loopMs + split.decodeMs).toBeLessThanOrEqual(c.wall.meanMs);
      expect(c.fid).toBeNull();
    }
    expect(result.bareCall.meanMs).toBeGreaterThan(0);
  });

  it('scores every configuration against the reference\'s images from the same latents and prompts', () => {
    const [ddim5, dpm5, reference] = result.configurations;
    expect(reference!.quality).toEqual({ kind: 'reference' });
    for (const c of [ddim5!, dpm5!]) {
      if (c.quality.kind !== 'measured') throw new Error(`${c.name}: quality ${c.quality.kind}`);
      expect(c.quality.ssimMean).toBeGreaterThan(0);
      expect(c.quality.ssimMean).toBeLessThanOrEqual(1);
      expect(c.quality.psnrMean ?? Infinity).toBeGreaterThan(10);
    }
  });

  it('makes exactly the images textToImage makes from the same per-image seeds (bit-identical floats)', async () => {
    const model = await openModel(SD1, { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`sd1-tiny opened as ${model.kind}`);
    try {
      const digestOf = async (pipeline: LoadedPipeline, sampler: 'ddim' | 'dpm-solver', steps: number, batches: number) => {
        const hashes: string[] = [];
        for (let b = 0; b < batches; b++) {
          const first = b * BATCH;
          const prompts = [0, 1].map((k) => PROMPTS[(first + k) % PROMPTS.length]!);
          const generated = await textToImage({
            model: pipeline.textToImageModel(),
            scheduler: createScheduler(sampler, pipeline.schedulerConfig),
            steps,
            prompts,
            negativePrompts: prompts.map(() => NEGATIVE),
            guidanceScale: 7.5,
            height: 32,
            width: 32,
            imageSeeds: imageSeeds(0, first, BATCH),
            generator: 'torch',
          });
          hashes.push(...imageHashes(generated.images, BATCH));
        }
        return createHash('sha256').update(hashes.join('\n')).digest('hex');
      };
      const byName = new Map(result.configurations.map((c) => [c.name, c]));
      expect(await digestOf(model, 'ddim', 10, 1)).toBe(byName.get('ddim-10')!.imageDigest);
      // Images 2 and 3: prompts 2 and 0 (i mod 3).
      expect(await digestOf(model, 'dpm-solver', 5, 2)).toBe(byName.get('dpm-solver-5')!.imageDigest);
    } finally {
      await model.dispose();
    }
  });

  it('shows the split and the prompts in table.md and the HTML report', () => {
    const [dir] = readdirSync(join(out, 'history'));
    const markdown = readFileSync(join(out, 'history', dir!, 'table.md'), 'utf8');
    expect(markdown).toContain('| loop ms/call | text · UNet · loop · VAE ms/batch | harness overhead');
    expect(markdown).toMatch(/\| ddim-5 \| 5 \| 2 \| .* \| [\d.]+ · [\d.]+ · [\d.]+ · [\d.]+ \| /);
    expect(markdown).toContain(`Negative prompt: "${NEGATIVE}". Guidance scale 7.5: classifier-free guidance runs the UNet at batch 4 per call`);
    expect(markdown).toContain(`2. ${PROMPTS[2]}`);
    const html = readFileSync(join(out, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<th>text · UNet · loop · VAE ms/batch</th>');
    expect(html).toContain(`<li>${PROMPTS[1]}</li>`);
    expect(readdirSync(join(out, 'history', dir!, 'grids')).sort()).toEqual(['ddim-10.png', 'ddim-5.png', 'dpm-solver-5.png']);
  });

  it('renders the HTML report in Chromium: the split column, the prompts, the chart and the RGB grids', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is needed (apt-get install chromium; .ci/run installs it)`).toBe(true);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(out, 'report', 'index.html')}`);
      expect(await page.locator('table.results tbody tr').count()).toBe(3);
      const header = await page.locator('table.results thead th').allTextContents();
      const column = header.indexOf('text · UNet · loop · VAE ms/batch');
      expect(column).toBe(header.indexOf('loop ms/call') + 1);
      expect(await page.locator(`table.results tbody tr:first-child td:nth-child(${column + 1})`).textContent()).toMatch(/^[\d.]+ · [\d.]+ · [\d.]+ · [\d.]+$/);
      expect(await page.locator('details.prompts li').allTextContents()).toEqual(PROMPTS);
      expect(await page.locator('svg.chart g.point').count()).toBe(3);
      // Two 32×32 images side by side, with the grid's padding.
      const widths = await page.locator('.grids img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(3);
      for (const w of widths) expect(w).toBeGreaterThan(64);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
