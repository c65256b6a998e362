// ms per UNet forward, float32 against int8 (loadModel precision 'int8'), timed interleaved in one run so that host
// drift hits both alike; then an onnxruntime profile of each session summed per operator type, to show which
// kernels run (QLinearConv for the int8 convolutions) and where the time goes.
// Run after `pnpm build`:  pnpm --filter @denoise/runtime bench:int8 [--model REF,REF] [--threads 2] [--batch 1]
//   [--runs 5] [--profile-runs 2] [--calibration-runs 1] [--calibration-steps 4]
// The default calibration is small (1 run × 4 steps): speed does not depend on the ranges.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, timeInterleaved } from './interleaved-timing.js';
import * as ort from 'onnxruntime-node';
import { buildUNetModel, locateDiffusersUNet, type BuiltUNetModel } from '@denoise/diffusers';
import { embeddedModelPath, syntheticCatalog } from '@denoise/repo-layout';
import { loadModel, type LoadedModel } from '../src/index.js';
import { buildInt8UNetModel } from '../src/int8-model.js';
import { parseInt8Options } from '../src/int8-options.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: `synthetic:ddpm-celebahq-256,${embeddedModelPath()}` },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    'profile-runs': { type: 'string', default: '2' },
    'calibration-runs': { type: 'string', default: '1' },
    'calibration-steps': { type: 'string', default: '4' },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
const runs = Number(values.runs);
const profileRuns = Number(values['profile-runs']);
const int8Options = { runs: Number(values['calibration-runs']), steps: Number(values['calibration-steps']), log: (line: string) => console.error(line) };


function inputs(model: LoadedModel): [Float32Array, number] {
  const { channels, height, width } = model.signature;
  return [Float32Array.from({ length: batch * channels * height * width }, (_, i) => Math.sin(i * 0.37)), 500];
}

/** ms per operator type per forward, from an onnxruntime profile of `profileRuns` forwards (after one warm-up). */
async function profile(built: BuiltUNetModel, model: LoadedModel): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'denoise-int8-profile-'));
  const [x, t] = inputs(model);
  const { channels, height, width } = model.signature;
  const feeds = { sample: new ort.Tensor('float32', x, [batch, channels, height, width]), timestep: new ort.Tensor('float32', new Float32Array(batch).fill(t), [batch]) };
  const profiled = await ort.InferenceSession.create(built.bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    enableProfiling: true,
    profileFilePrefix: join(dir, 'profile'),
    ...(built.externalDataFolder ? { extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder } } } : {}),
  });
  await profiled.run(feeds); // warm-up (first-run allocations), subtracted below by counting runs
  const perOp = new Map<string, number>();
  for (let i = 0; i < profileRuns; i++) await profiled.run(feeds);
  profiled.endProfiling();
  await profiled.release();
  const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as { cat?: string; name: string; dur: number; args?: { op_name?: string } }[];
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name);
  // The first `perRun` kernel events are the warm-up's.
  const perRun = kernels.length / (profileRuns + 1);
  for (const e of kernels.slice(perRun)) perOp.set(e.args!.op_name!, (perOp.get(e.args!.op_name!) ?? 0) + e.dur / 1000 / profileRuns);
  rmSync(dir, { recursive: true, force: true });
  return perOp;
}

const rows: string[] = [];
const profiles: string[] = [];
for (const reference of values.model.split(',').filter(Boolean)) {
  const name = reference.replace(/^synthetic:/, '').replace(/^.*\//, '');
  const common = { threads, syntheticCatalog: syntheticCatalog(), log: (l: string) => console.error(l) };
  const float = await loadModel(reference, common);
  const int8 = await loadModel(reference, { ...common, precision: 'int8', int8: int8Options });
  const [x, t] = inputs(float);
  const tasks = [
    { label: 'float32', run: () => float.denoiser.predict(x, t), samples: [] as number[] },
    { label: 'int8', run: () => int8.denoiser.predict(x, t), samples: [] as number[] },
  ];
  await timeInterleaved(tasks, runs);
  const [f, q] = tasks.map((task) => median(task.samples)) as [number, number];
  const info = int8.int8!;
  rows.push(`| ${name} | ${batch} | ${threads} | ${f.toFixed(1)} | ${q.toFixed(1)} | ${(f / q).toFixed(2)} | ${info.quantizedConvs} | ${info.floatLayers.length} |`);
  console.error(rows.at(-1));

  const folder = await locateDiffusersUNet(float.modelPath);
  const floatBuilt = await buildUNetModel(folder, { storage: 'external' });
  const int8Built = await buildInt8UNetModel(folder, parseInt8Options({ runs: int8Options.runs, steps: int8Options.steps }), { sha256: float.sha256, schedulerConfig: float.schedulerConfig });
  const floatOps = await profile(floatBuilt, float);
  const int8Ops = await profile(int8Built.model, float);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const ops = [...new Set([...int8Ops.keys(), ...floatOps.keys()])].sort((a, b) => (int8Ops.get(b) ?? 0) - (int8Ops.get(a) ?? 0));
  profiles.push(`\n${name}, batch ${batch}, ${threads} threads: kernel ms per forward by operator type (onnxruntime profile, ${profileRuns} forwards)`);
  profiles.push('| operator | int8 ms | int8 % | float32 ms | float32 % |', '| --- | ---: | ---: | ---: | ---: |');
  for (const op of ops) {
    const a = int8Ops.get(op);
    const b = floatOps.get(op);
    const cell = (v: number | undefined, m: Map<string, number>) => (v === undefined ? '— | —' : `${v.toFixed(1)} | ${((100 * v) / total(m)).toFixed(1)}`);
    profiles.push(`| ${op} | ${cell(a, int8Ops)} | ${cell(b, floatOps)} |`);
  }
  profiles.push(`| total | ${total(int8Ops).toFixed(1)} | 100 | ${total(floatOps).toFixed(1)} | 100 |`);
  await float.dispose();
  await int8.dispose();
}
console.log(`runs per cell: ${runs} (interleaved, median); int8 calibration ${int8Options.runs} run(s) × ${int8Options.steps} steps`);
console.log('| model | batch | threads | float32 ms/forward | int8 ms/forward | float32/int8 | int8 convs | float32 layers |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
for (const line of profiles) console.log(line);
