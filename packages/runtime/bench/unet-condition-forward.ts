// ms per forward of a UNet2DConditionModel (Stable Diffusion's UNet) built by denoise from a diffusers unet folder, and
// (with --against FILE.onnx) of the same weights exported by torch.onnx.export (tools/denoise_tools/torch_unet2d_condition),
// checked first to give the same output, then timed interleaved in one run so that host drift hits both alike. With
// --profile, onnxruntime's profile of denoise's graph, summed by operator type.
// Run after `pnpm build`:
//   node packages/runtime/dist/bench/unet-condition-forward.js --unet DIR [--against FILE.onnx] [--batch 2] [--size 64]
//     [--tokens 77] [--threads 2] [--runs 5] [--profile]
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './interleaved-timing.js';
import * as ort from 'onnxruntime-node';
import { buildComponent, UNET_2D_CONDITION } from '@denoise/diffusers';

const { values } = parseArgs({
  options: {
    unet: { type: 'string' },
    against: { type: 'string' },
    batch: { type: 'string', default: '2' },
    size: { type: 'string', default: '64' },
    tokens: { type: 'string', default: '77' },
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
  },
});
if (!values.unet) throw new Error('--unet DIR (config.json + diffusion_pytorch_model.safetensors) is required');
const batch = Number(values.batch);
const size = Number(values.size);
const tokens = Number(values.tokens);
const threads = Number(values.threads);
const runs = Number(values.runs);

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
const options = (profile: boolean): ort.InferenceSession.SessionOptions => ({
  graphOptimizationLevel: 'all',
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  logSeverityLevel: 3,
  ...(profile ? { enableProfiling: true, profileFilePrefix: '/tmp/denoise-unet-profile' } : {}),
});

const rss0 = rssMiB();
const buildStarted = performance.now();
const built = await buildComponent(UNET_2D_CONDITION, {
  configPath: join(values.unet, 'config.json'),
  weightsPath: join(values.unet, 'diffusion_pytorch_model.safetensors'),
  weightsFormat: 'safetensors',
});
const buildMs = performance.now() - buildStarted;
const sessionStarted = performance.now();
const ours = await ort.InferenceSession.create(built.bytes, {
  ...options(values.profile),
  extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
});
const sessionMs = performance.now() - sessionStarted;
const rssOurs = rssMiB();
console.error(`denoise graph: ${(built.parameterCount / 1e6).toFixed(1)} M parameters, build ${buildMs.toFixed(0)} ms, session ${sessionMs.toFixed(0)} ms, RSS +${(rssOurs - rss0).toFixed(0)} MiB`);

const { inChannels, crossAttentionDim } = built.config;
const sample = Float32Array.from({ length: batch * inChannels * size * size }, (_, i) => Math.sin(i * 0.37));
const context = Float32Array.from({ length: batch * tokens * crossAttentionDim }, (_, i) => Math.cos(i * 0.11));
const feeds = (session: ort.InferenceSession): Record<string, ort.Tensor> => {
  const out: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    if (meta.name === 'sample') out[meta.name] = new ort.Tensor('float32', sample, [batch, inChannels, size, size]);
    else if (meta.name === 'encoder_hidden_states') out[meta.name] = new ort.Tensor('float32', context, [batch, tokens, crossAttentionDim]);
    else if (meta.type === 'int64') out[meta.name] = new ort.Tensor('int64', new BigInt64Array(batch).fill(500n), [batch]);
    else out[meta.name] = new ort.Tensor('float32', new Float32Array(batch).fill(500), [batch]);
  }
  return out;
};

const tasks: { label: string; run: () => Promise<Float32Array>; samples: number[] }[] = [];
const ourFeeds = feeds(ours);
tasks.push({ label: 'denoise graph', run: async () => (await ours.run(ourFeeds))['out_sample']!.data as Float32Array, samples: [] });
let exported: ort.InferenceSession | undefined;
if (values.against) {
  const t0 = performance.now();
  exported = await ort.InferenceSession.create(values.against, options(false));
  console.error(`torch.onnx.export session ${(performance.now() - t0).toFixed(0)} ms, RSS +${(rssMiB() - rssOurs).toFixed(0)} MiB`);
  const theirFeeds = feeds(exported);
  tasks.push({ label: 'torch.onnx.export', run: async () => Object.values(await exported!.run(theirFeeds))[0]!.data as Float32Array, samples: [] });
}
// Warm-up, and (same weights, same inputs) the two graphs must agree before their times mean anything.
const outputs = [];
for (const task of tasks) outputs.push(await task.run());
if (outputs.length === 2) {
  let diff = 0;
  let maxRef = 0;
  for (let i = 0; i < outputs[0]!.length; i++) {
    diff = Math.max(diff, Math.abs(outputs[0]![i]! - outputs[1]![i]!));
    maxRef = Math.max(maxRef, Math.abs(outputs[1]![i]!));
  }
  console.error(`max |denoise − export| = ${diff.toExponential(2)} (max |export| ${maxRef.toFixed(2)})`);
}
for (let i = 0; i < runs; i++) {
  for (const task of i % 2 === 0 ? tasks : [...tasks].reverse()) {
    const t0 = performance.now();
    await task.run();
    task.samples.push(performance.now() - t0);
    console.error(`  ${task.label}: ${(performance.now() - t0).toFixed(0)} ms`);
  }
}
const ourMs = median(tasks[0]!.samples);
const theirMs = tasks[1] ? median(tasks[1].samples) : undefined;
console.log(`UNet2DConditionModel ${values.unet}, batch ${batch}, ${size}×${size} latents, ${tokens} tokens, ${threads} threads, ${runs} interleaved runs (median)`);
console.log(`| denoise ms/forward | export ms/forward | export/denoise | graph build ms | session ms | peak RSS MiB |`);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
console.log(
  `| ${ourMs.toFixed(0)} | ${theirMs?.toFixed(0) ?? '—'} | ${theirMs ? (theirMs / ourMs).toFixed(3) : '—'} | ${buildMs.toFixed(0)} | ${sessionMs.toFixed(0)} | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`,
);
if (values.profile) {
  ours.endProfiling();
  const file = readdirSync('/tmp').filter((f) => f.startsWith('denoise-unet-profile') && f.endsWith('.json')).map((f) => join('/tmp', f)).sort().at(-1);
  if (!file) throw new Error('onnxruntime wrote no profile');
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? 'unknown';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    total += e.dur;
  }
  console.log(`\nprofile of the denoise graph (${runs + 1} forwards), kernel time by operator:`);
  for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${op.padEnd(28)} ${(us / 1000).toFixed(0).padStart(8)} ms  ${((100 * us) / total).toFixed(1)} %`);
  rmSync(file, { force: true });
}
await ours.release();
await exported?.release();
