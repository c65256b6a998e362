// Images/s of the FID Inception-v3 network on CPU: denoise's graph (loadFidInception) against PyTorch running
// pytorch-fid's network (tools/denoise_tools/torch_fid_inception, a worker process), on the same seeded random weights
// (the fid-inception reference's, written once to the cache), interleaved A/B so that host drift hits both alike.
// Run after `pnpm build`:  node packages/runtime/dist/bench/fid-inception-forward.js [--batch 1,8] [--threads 2]
//   [--rounds 9] [--opt all,extended,basic] [--weights FILE]
// Each round times one extract() of a 299×299 batch per --opt level (end to end: tensor in, features out) and one
// torch forward (`torch.no_grad`, torch.set_num_threads = --threads), the order rotating each round, each after a
// 250 ms pause. The sides' features of the same input are compared first. Without /usr/bin/python3 + torch only
// denoise's columns are filled.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { median } from './interleaved-timing.js';
import { readNpy, writeNpy } from '@denoise/image';
import { repoRoot } from '@denoise/repo-layout';
import { loadFidInception, randomFidInceptionWeights, type GraphOptimizationLevel } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '1,8' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '9' },
    opt: { type: 'string', default: 'all' },
    weights: { type: 'string' },
  },
});
const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const rounds = Number(values.rounds);
const SIZE = 299;
const PAUSE_MS = 250;


/** The worker's fixed input: sin(0.37·i) in float32, as tools/denoise_tools/torch_fid_inception/worker.py makes it. */
function benchInput(batch: number): Float32Array {
  return Float32Array.from({ length: batch * 3 * SIZE * SIZE }, (_, i) => Math.sin(i * 0.37));
}

/** pytorch-fid's network in a Python worker, one JSON request and answer per line. */
class TorchWorker {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(weights: string, threads: number): Promise<{ worker: TorchWorker; version: string } | { reason: string }> {
    if (spawnSync(PYTHON, ['-c', 'import torch, torchvision, numpy'], { encoding: 'utf8' }).status !== 0) {
      return { reason: `${PYTHON} with torch, torchvision and numpy not found` };
    }
    const child = spawn(PYTHON, ['-m', 'denoise_tools.torch_fid_inception.worker', weights, '--threads', String(threads)], {
      env: { ...process.env, PYTHONPATH: join(repoRoot(), 'tools') },
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    const worker = new TorchWorker(child);
    const ready = await worker.read();
    return { worker, version: String(ready['torch']) };
  }

  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    return this.read();
  }

  private async read(): Promise<Record<string, unknown>> {
    const next = await this.lines.next();
    if (next.done) throw new Error('the torch worker exited');
    const answer = JSON.parse(next.value) as Record<string, unknown>;
    if ('error' in answer) throw new Error(`torch worker: ${String(answer['error'])}`);
    return answer;
  }

  async stop(): Promise<void> {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** max |a − b| / max |b|: how far apart the two sides' features are. */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

interface Side {
  readonly label: string;
  readonly run: (batch: number, input: Float32Array) => Promise<number>;
  readonly ms: number[];
}

const weights = values.weights ?? (await randomFidInceptionWeights());
const rows: string[] = [];
const scratch = await mkdtemp(join(tmpdir(), 'denoise-fid-bench-'));
try {
  for (const threads of list(values.threads).map(Number)) {
    const torch = await TorchWorker.start(weights, threads);
    if ('reason' in torch) console.error(`torch side skipped: ${torch.reason}`);
    else console.error(`torch ${torch.version}, ${threads} threads`);
    const extractors = [];
    for (const opt of list(values.opt) as GraphOptimizationLevel[]) {
      const t0 = performance.now();
      const extractor = await loadFidInception(weights, { threads, graphOptimizationLevel: opt });
      extractors.push({ opt, extractor, loadMs: performance.now() - t0 });
    }
    for (const batch of list(values.batch).map(Number)) {
      const input = benchInput(batch);
      const sides: Side[] = extractors.map(({ opt, extractor }) => ({
        label: opt,
        ms: [],
        run: async () => {
          const t = performance.now();
          await extractor.extract(input, batch);
          return performance.now() - t;
        },
      }));
      const agreement = new Map<string, string>();
      if ('worker' in torch) {
        // Same weights, same input: the sides must agree before their times mean anything.
        const inPath = join(scratch, 'in.npy');
        const outPath = join(scratch, 'out.npy');
        await writeNpy(inPath, { dtype: 'float32', shape: [batch, 3, SIZE, SIZE], data: input });
        await torch.worker.request({ cmd: 'features', input: inPath, output: outPath });
        const theirs = (await readNpy(outPath)).data as Float32Array;
        for (const { opt, extractor } of extractors) agreement.set(opt, relativeDiff(await extractor.extract(input, batch), theirs).toExponential(1));
        const worker = torch.worker;
        sides.push({ label: 'torch', ms: [], run: async () => Number((await worker.request({ cmd: 'time', batch }))['ms']) });
      }
      for (let i = 0; i < 2; i++) {
        // Warm-up (oneDNN makes its primitives on the first calls of a shape).
        for (const side of sides) await side.run(batch, input);
      }
      for (let r = 0; r < rounds; r++) {
        // Rotate the order each round; pause before each call, because both thread pools spin a while after a call
        // (onnxruntime's and OpenMP's), so that no side is timed while another's threads still hold the cores.
        for (let k = 0; k < sides.length; k++) {
          const side = sides[(k + r) % sides.length]!;
          await sleep(PAUSE_MS);
          side.ms.push(await side.run(batch, input));
        }
      }
      const torchSide = sides.find((s) => s.label === 'torch');
      for (const [i, { opt, loadMs }] of extractors.entries()) {
        const ours = sides[i]!;
        const perSecond = (batch * 1000) / median(ours.ms);
        const theirs = torchSide ? (batch * 1000) / median(torchSide.ms) : undefined;
        // The same round's two times, as a ratio: robust to the host's speed drifting between rounds.
        const roundRatios = torchSide ? ours.ms.map((ms, r) => torchSide.ms[r]! / ms) : [];
        const spread = roundRatios.length > 0 ? `${median(roundRatios).toFixed(2)} (${Math.min(...roundRatios).toFixed(2)}–${Math.max(...roundRatios).toFixed(2)})` : '—';
        // Each side's fastest round: what it does when the host leaves it alone (a shared host's slow stretches hit
        // OpenMP's spinning threads hardest, so the medians can flatter denoise).
        const best = (batch * 1000) / Math.min(...ours.ms);
        const theirBest = torchSide ? (batch * 1000) / Math.min(...torchSide.ms) : undefined;
        const bestCells = `${best.toFixed(2)} | ${theirBest?.toFixed(2) ?? '—'} | ${theirBest ? (best / theirBest).toFixed(2) : '—'}`;
        rows.push(
          `| ${batch} | ${threads} | ${opt} | ${perSecond.toFixed(2)} | ${theirs?.toFixed(2) ?? '—'} | ${theirs ? (perSecond / theirs).toFixed(2) : '—'} | ${spread} | ${bestCells} | ${agreement.get(opt) ?? '—'} | ${loadMs.toFixed(0)} |`,
        );
        console.error(rows.at(-1));
      }
    }
    for (const { extractor } of extractors) await extractor.dispose();
    if ('worker' in torch) await torch.worker.stop();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
console.log(`weights: ${weights}; ${rounds} interleaved rounds per cell, median; images 3×${SIZE}×${SIZE}`);
console.log(
  '| batch | threads | opt level | denoise images/s | pytorch-fid images/s | denoise/pytorch (medians) | per-round ratio median (min–max) | denoise best | pytorch-fid best | ratio of bests | max |Δ| / max |torch| | denoise load ms |',
);
console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
