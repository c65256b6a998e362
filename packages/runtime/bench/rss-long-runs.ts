// Does memory stay flat over long work? Two measurements of resident set size (RSS), in one process:
//   1. one long run: DDPM-1000 at batch 16 on the embedded model, RSS read every 50 model calls;
//   2. back-to-back runs as a library user makes them: open the model, sample, dispose, N times (the embedded model
//      with DDIM-20 at batch 4, then the tiny Stable Diffusion fixture with DPM-Solver-4, one prompt, guided).
// Run after `pnpm build`:  node --expose-gc packages/runtime/dist/bench/rss-long-runs.js [--runs 20] [--steps 1000]
// With --expose-gc, RSS after each run is read after a full collection, so it shows what the runs keep, not what
// the collector has not reached yet.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { embeddedModelPath } from '@denoise/repo-layout';
import { createScheduler, defaultSamplerFor, sample, textToImage } from '@denoise/sampler';
import { openModel } from '../src/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, steps: { type: 'string', default: '1000' }, batch: { type: 'string', default: '16' } } });
const runs = Number(values.runs);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;
const rss = () => {
  gc?.();
  return process.memoryUsage().rss;
};

/**
 * First, largest and last of a series of RSS readings, the growth over the second half per reading (what a leak would
 * keep adding once allocators have settled), and the series itself.
 */
function summary(label: string, readings: readonly number[]): string {
  const first = readings[0]!;
  const last = readings[readings.length - 1]!;
  const half = Math.floor(readings.length / 2);
  const slope = (last - readings[half]!) / Math.max(1, readings.length - 1 - half);
  return (
    `${label}: first ${mib(first)} MiB, max ${mib(Math.max(...readings))} MiB, last ${mib(last)} MiB; ` +
    `second half ${slope >= 0 ? '+' : ''}${(slope / 2 ** 10).toFixed(0)} KiB per reading\n  ${readings.map(mib).join(' ')}`
  );
}

async function longRun(): Promise<void> {
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const model = await openModel(embeddedModelPath());
  if (model.kind === 'text-to-image') throw new Error('the embedded model is a UNet');
  try {
    const readings: number[] = [];
    const scheduler = createScheduler('ddpm', model.schedulerConfig);
    await sample({
      scheduler,
      denoiser: model.denoiser,
      steps,
      batchSize: batch,
      seed: 0,
      onStep: (event) => {
        if ((event.index + 1) % 50 === 0) readings.push(process.memoryUsage().rss);
      },
    });
    console.log(summary(`DDPM-${steps} at batch ${batch}, RSS every 50 model calls`, readings));
  } finally {
    await model.dispose();
  }
}

async function backToBack(label: string, path: string, run: (model: Awaited<ReturnType<typeof openModel>>) => Promise<void>): Promise<void> {
  const readings: number[] = [];
  for (let i = 0; i < runs; i++) {
    const model = await openModel(path);
    try {
      await run(model);
    } finally {
      await model.dispose();
    }
    readings.push(rss());
  }
  console.log(summary(`${runs} × (open, sample, dispose) ${label}, RSS after each${gc ? ' (after gc)' : ''}`, readings));
}

console.log(`node ${process.version}, start RSS ${mib(rss())} MiB`);
await longRun();
await backToBack('of the embedded model, DDIM-20 at batch 4', embeddedModelPath(), async (model) => {
  if (model.kind === 'text-to-image') throw new Error('the embedded model is a UNet');
  await sample({ scheduler: createScheduler('ddim', model.schedulerConfig), denoiser: model.denoiser, steps: 20, batchSize: 4, seed: 1 });
});
const sdTiny = fileURLToPath(new URL('../../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));
await backToBack('of sd1-tiny, DPM-Solver-4, guided', sdTiny, async (model) => {
  if (model.kind !== 'text-to-image') throw new Error('sd1-tiny is a pipeline');
  await textToImage({
    model: model.textToImageModel(),
    scheduler: createScheduler(defaultSamplerFor(model.schedulerConfig) === 'lcm' ? 'lcm' : 'dpm-solver', model.schedulerConfig),
    steps: 4,
    prompts: ['a red bicycle'],
    guidanceScale: 7.5,
    height: 64,
    width: 64,
    seed: 0,
  });
});
