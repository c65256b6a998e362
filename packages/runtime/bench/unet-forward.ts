// ms per UNet forward of diffusers architectures built by denoise, on CPU, and (with --against DIR) the same
// model exported by torch.onnx.export, timed interleaved in one run so that host drift hits both alike.
// Run after `pnpm build`:  pnpm --filter @denoise/runtime bench [--arch a,b | --model REF] [--batch 1,4]
//   [--threads 1,2] [--runs N] [--against FILE.onnx] [--opt all,basic]
// --arch names `synthetic:<name>` models (seeded random weights; see README), written once to the cache;
// --model takes any model reference. --against: an export of the same weights (e.g. tools/denoise_tools/torch_unet2d/export.py),
// checked first to give the same output, then timed interleaved with denoise's graph.
import { parseArgs } from 'node:util';
import { median, timeInterleaved, type TimedTask } from './interleaved-timing.js';
import * as ort from 'onnxruntime-node';
import { syntheticCatalog } from '@denoise/repo-layout';
import { loadModel, type GraphOptimizationLevel, type LoadedModel } from '../src/index.js';
import { sessionOf } from '../src/model-sessions.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'ddpm-cifar10-32,ddpm-celebahq-256' },
    model: { type: 'string' },
    batch: { type: 'string', default: '1,4' },
    threads: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '5' },
    against: { type: 'string' },
    opt: { type: 'string', default: 'all' },
  },
});
const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const runs = Number(values.runs);


async function exportedSession(path: string, threads: number, opt: GraphOptimizationLevel): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { graphOptimizationLevel: opt, intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 });
}

function feedsFor(session: ort.InferenceSession, batch: number, c: number, h: number, w: number): Record<string, ort.Tensor> {
  const sample = Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.37));
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    if (meta.name === 'sample') feeds[meta.name] = new ort.Tensor('float32', sample, [batch, c, h, w]);
    else if (meta.type === 'int64') feeds[meta.name] = new ort.Tensor('int64', new BigInt64Array(batch).fill(500n), [batch]);
    else feeds[meta.name] = new ort.Tensor('float32', new Float32Array(batch).fill(500), [batch]);
  }
  return feeds;
}

const rows: string[] = [];
const references = values.model ? [values.model] : list(values.arch).map((arch) => `synthetic:${arch}`);
for (const reference of references) {
  const arch = reference.replace(/^synthetic:/, '').replace(/^.*\//, '');
  for (const threads of list(values.threads).map(Number)) {
    for (const opt of list(values.opt) as GraphOptimizationLevel[]) {
      const rss0 = process.memoryUsage().rss;
      const model: LoadedModel = await loadModel(reference, { threads, graphOptimizationLevel: opt, syntheticCatalog: syntheticCatalog(), log: (l) => console.error(l) });
      const rssModel = process.memoryUsage().rss;
      const { channels, height, width } = model.signature;
      const exported = values.against ? await exportedSession(values.against, threads, opt) : undefined;
      for (const batch of list(values.batch).map(Number)) {
        const session = sessionOf(model);
        const ours = feedsFor(session, batch, channels, height, width);
        const tasks: TimedTask[] = [{ label: 'denoise graph', run: async () => void (await session.run(ours)), samples: [] }];
        if (exported) {
          const theirs = feedsFor(exported, batch, channels, height, width);
          tasks.push({ label: 'torch.onnx.export', run: async () => void (await exported.run(theirs)), samples: [] });
        }
        if (exported) {
          // Same weights, same inputs: the two graphs must agree before their times mean anything.
          const a = (await session.run(ours))['out_sample']!.data as Float32Array;
          const theirs = feedsFor(exported, batch, channels, height, width);
          const b = Object.values(await exported.run(theirs))[0]!.data as Float32Array;
          let diff = 0;
          for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
          console.error(`${arch} batch ${batch}: max |denoise − export| = ${diff.toExponential(2)}`);
        }
        await timeInterleaved(tasks, runs);
        const ourMs = median(tasks[0]!.samples);
        const theirMs = tasks[1] ? median(tasks[1].samples) : undefined;
        rows.push(
          `| ${arch} | ${batch} | ${threads} | ${opt} | ${ourMs.toFixed(1)} | ${theirMs?.toFixed(1) ?? '—'} | ${theirMs ? (theirMs / ourMs).toFixed(2) : '—'} | ` +
            `${model.built!.buildMs.toFixed(0)} | ${model.sessionMs.toFixed(0)} | ${((rssModel - rss0) / 2 ** 20).toFixed(0)} |`,
        );
        console.error(rows.at(-1));
      }
      await model.dispose();
      await exported?.release();
    }
  }
}
console.log(`runs per cell: ${runs} (interleaved, median)`);
console.log('| architecture | batch | threads | opt level | denoise ms/forward | export ms/forward | export/denoise | graph build ms | session ms | RSS added MiB |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
