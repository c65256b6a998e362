// Elements per second of one scheduler step and of seeded noise on a [16, 3, 256, 256] float32 tensor.
// Run with `pnpm bench` after `pnpm build`. The goal for a step is ≥ 200 M elements/s on one core.
// Besides tinybench's wall-clock figures, each task's process CPU time is recorded: on a machine shared
// with other work, elements per CPU-second shows what one core does when it is actually running.
import { Bench, type FnOptions } from 'tinybench';
import {
  DDIMScheduler,
  DDPMScheduler,
  DPMSolverMultistepScheduler,
  EulerAncestralDiscreteScheduler,
  EulerDiscreteScheduler,
  HeunDiscreteScheduler,
  PhiloxGenerator,
  PNDMScheduler,
  torchRandn,
  UniPCMultistepScheduler,
  type Scheduler,
  type StepOptions,
} from '../src/index.js';

const SHAPE = [16, 3, 256, 256] as const;
const ELEMENTS = SHAPE.reduce((a, b) => a * b, 1);

function tensor(seed: number): Float32Array {
  // A cheap deterministic fill; the values only need to be ordinary floats.
  return Float32Array.from({ length: ELEMENTS }, (_, i) => Math.sin(i * 0.618 + seed));
}

const sample = tensor(1);
const modelOutput = tensor(2);
const noise = tensor(3);
const out = { prevSample: new Float32Array(ELEMENTS), predOriginalSample: new Float32Array(ELEMENTS) };

const ddim = DDIMScheduler.fromConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, steps_offset: 1 });
ddim.setTimesteps(50);
const ddpm = DDPMScheduler.fromConfig({});
ddpm.setTimesteps(1000);
const batchSize = SHAPE[0];
const modelInput = new Float32Array(ELEMENTS);

/**
 * One call of a stateful scheduler as the loop makes it (scale_model_input, then step) at its steady state:
 * the plan is long (1000 steps) and restarted when used up, so the multistep history is full.
 */
function loopCall(scheduler: Scheduler, options: StepOptions = {}): () => void {
  const steps = 1000;
  scheduler.setTimesteps(steps);
  let i = 0;
  return () => {
    if (i === scheduler.timesteps.length) {
      scheduler.setTimesteps(steps);
      i = 0;
    }
    const t = scheduler.timesteps[i++]!;
    scheduler.scaleModelInput(sample, t, modelInput);
    scheduler.step(modelOutput, t, sample, { ...options, out, batchSize });
  };
}
const sdConfig = { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 };

/** CPU milliseconds (user + system) of each task's measured phase. */
const cpuMs = new Map<string, number>();
function cpuTimed(name: string): FnOptions {
  let start: NodeJS.CpuUsage | undefined;
  return {
    beforeAll(mode) {
      if (mode === 'run') start = process.cpuUsage();
    },
    afterAll(mode) {
      if (mode !== 'run' || start === undefined) return;
      const used = process.cpuUsage(start);
      cpuMs.set(name, (used.user + used.system) / 1000);
    },
  };
}

const tasks: readonly (readonly [string, () => void])[] = [
  ['DDIM step, eta=0 (clip_sample)', () => ddim.step(modelOutput, 501, sample, { out, batchSize })],
  ['DDIM step, eta=1 + noise', () => ddim.step(modelOutput, 501, sample, { out, batchSize, eta: 1, noise })],
  ['DDPM step, fixed_small + noise', () => ddpm.step(modelOutput, 500, sample, { out, batchSize, noise })],
  ['DDIM step, eta=0, new output arrays', () => ddim.step(modelOutput, 501, sample, { batchSize })],
  ['DPM-Solver++ 2M step', loopCall(DPMSolverMultistepScheduler.fromConfig(sdConfig))],
  ['DPM-Solver++ 3M step', loopCall(DPMSolverMultistepScheduler.fromConfig({ ...sdConfig, solver_order: 3 }))],
  ['DPM-Solver++ 2M SDE step + noise', loopCall(DPMSolverMultistepScheduler.fromConfig({ ...sdConfig, algorithm_type: 'sde-dpmsolver++' }), { noise })],
  ['UniPC bh2 order 2 step (corrector + predictor)', loopCall(UniPCMultistepScheduler.fromConfig(sdConfig))],
  ['UniPC bh2 order 3 step (corrector + predictor)', loopCall(UniPCMultistepScheduler.fromConfig({ ...sdConfig, solver_order: 3 }))],
  ['Euler scale_model_input + step', loopCall(EulerDiscreteScheduler.fromConfig(sdConfig))],
  ['Euler ancestral scale_model_input + step + noise', loopCall(EulerAncestralDiscreteScheduler.fromConfig(sdConfig), { noise })],
  ['Heun scale_model_input + step (stages alternate)', loopCall(HeunDiscreteScheduler.fromConfig(sdConfig))],
  ['PNDM PLMS step (4-term)', loopCall(PNDMScheduler.fromConfig({ ...sdConfig, skip_prk_steps: true }))],
  ['torchRandn', () => torchRandn(42, SHAPE)],
  ['PhiloxGenerator.randn', () => new PhiloxGenerator(42).randn(SHAPE)],
];

const bench = new Bench({ time: 1500, iterations: 8, warmupTime: 300 });
for (const [name, fn] of tasks) bench.add(name, fn, cpuTimed(name));

await bench.run();

const rows = bench.tasks.map((task) => {
  const r = task.result;
  if (r.state !== 'completed') return { task: task.name, state: r.state };
  const cpu = cpuMs.get(task.name);
  return {
    task: task.name,
    'M elements/s': Number((ELEMENTS / (r.latency.mean / 1000) / 1e6).toFixed(1)),
    'M elements/CPU-s': cpu === undefined ? '-' : Number(((ELEMENTS * task.runs) / (cpu / 1000) / 1e6).toFixed(1)),
    'mean ms': Number(r.latency.mean.toFixed(2)),
    'rme %': Number(r.latency.rme.toFixed(1)),
    samples: r.latency.samplesCount,
  };
});
console.log(`@denoise/schedule on [${SHAPE.join(', ')}] float32 (${ELEMENTS} elements), Node ${process.version}`);
console.table(rows);
