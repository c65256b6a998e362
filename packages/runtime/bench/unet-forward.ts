// ms per UNet forward of diffusers architectures built by denoise, on CPU, and (with --against DIR) the same
// model exported by torch.onnx.export, timed interleaved in one run so that host drift hits both alike.
// Run after `pnpm build`:  pnpm --filter @denoise/runtime bench [--arch a,b] [--batch 1,4] [--threads 1,2]
//   [--runs N] [--against DIR (holding <arch>.onnx)] [--opt all,basic]
// Architectures are `synthetic:<name>` models (seeded random weights; see README), written once to the cache.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, type GraphOptimizationLevel, type LoadedModel } from '../src/index.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'ddpm-cifar10-32,ddpm-celebahq-256' },
    batch: { type: 'string', default: '1,4' },
    threads: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '5' },
    against: { type: 'string' },
    opt: { type: 'string', default: 'all' },
  },
});
const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const runs = Number(values.runs);

interface Timed {
  readonly label: string;
  readonly run: () => Promise<void>;
  readonly samples: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

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
for (const arch of list(values.arch)) {
  for (const threads of list(values.threads).map(Number)) {
    for (const opt of list(values.opt) as GraphOptimizationLevel[]) {
      const rss0 = process.memoryUsage().rss;
      const model: LoadedModel = await loadModel(`synthetic:${arch}`, { threads, graphOptimizationLevel: opt, log: (l) => console.error(l) });
      const rssModel = process.memoryUsage().rss;
      const { channels, height, width } = model.signature;
      const exportPath = values.against ? join(values.against, `${arch}.onnx`) : undefined;
      const exported = exportPath && existsSync(exportPath) ? await exportedSession(exportPath, threads, opt) : undefined;
      for (const batch of list(values.batch).map(Number)) {
        const ours = feedsFor(model.session, batch, channels, height, width);
        const tasks: Timed[] = [{ label: 'denoise graph', run: async () => void (await model.session.run(ours)), samples: [] }];
        if (exported) {
          const theirs = feedsFor(exported, batch, channels, height, width);
          tasks.push({ label: 'torch.onnx.export', run: async () => void (await exported.run(theirs)), samples: [] });
        }
        for (const task of tasks) await task.run(); // warm-up
        for (let i = 0; i < runs; i++) {
          for (const task of i % 2 === 0 ? tasks : [...tasks].reverse()) {
            const t0 = performance.now();
            await task.run();
            task.samples.push(performance.now() - t0);
          }
        }
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
