import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readNpy, writeNpy, type ImageBatch } from '@denoise/image';
import { repoRoot } from '@denoise/repo-layout';
import { z } from 'zod';
import { formatIssues, type TorchBaseline, type TorchBaselineRow } from './bench-result.js';
import { compareWithReference } from './quality.js';
import type { BenchLog, BenchRun, BenchSettings } from './run-bench.js';
import { batchSeeds } from './run-shard.js';
import { parseSamplerSpec, type SamplerSpec } from './sampler-spec.js';

const PYTHON = '/usr/bin/python3';
/** tools/denoise_tools/torch_baseline/baseline.py, run as a module of the tools' package (tools/ on PYTHONPATH). */
const MODULE = 'denoise_tools.torch_baseline.baseline';

/**
 * `--baseline torch`: the same weights (weights.pt beside the model), configurations, batch, threads and x_T
 * through tools/denoise_tools/torch_baseline's textbook PyTorch loops. Each row gets the speed ratio to denoise and how far
 * apart the two frameworks' final images are. Returns a one-line reason instead when it cannot run here.
 */
export async function runTorchBaseline(settings: BenchSettings, run: BenchRun, log: BenchLog): Promise<TorchBaseline> {
  const modelDir = run.result.settings.model.endsWith('.onnx') ? dirname(run.result.settings.model) : run.result.settings.model;
  const weights = join(modelDir, 'weights.pt');
  const skipped = (reason: string): TorchBaseline => {
    log(`torch baseline skipped: ${reason}`);
    return { available: false, reason };
  };
  if (!existsSync(PYTHON)) return skipped(`${PYTHON} not found (Debian: apt-get install python3-torch python3-numpy)`);
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return skipped('python3-torch is not installed (Debian: apt-get install python3-torch python3-numpy)');
  if (!existsSync(weights)) return skipped(`no PyTorch weights beside the model (${weights})`);
  const tools = join(repoRoot(), 'tools');
  const script = join(tools, 'denoise_tools', 'torch_baseline', 'baseline.py');
  if (!existsSync(script)) return skipped(`${script} is missing`);
  // tools/denoise_tools/torch_baseline has the textbook DDPM and DDIM loops only, without linspace spacing; other
  // configurations are left out, and said so.
  const all = run.result.configurations.map((c) => c.name);
  const names = all.filter((n) => torchBaselineRuns(parseSamplerSpec(n)));
  const left = all.filter((n) => !names.includes(n));
  if (left.length > 0) log(`torch baseline: no PyTorch loop for ${left.join(', ')} (tools/denoise_tools/torch_baseline has DDPM and DDIM, leading/trailing)`);
  if (names.length === 0) return skipped('no configuration that tools/denoise_tools/torch_baseline implements (DDPM, DDIM)');
  const threads = settings.threads ?? cpus().length;
  const work = mkdtempSync(join(tmpdir(), 'denoise-torch-baseline-'));
  try {
    const noisePath = join(work, 'noise.npy');
    await writeNpy(noisePath, { dtype: 'float32', shape: [...run.noise.shape], data: run.noise.data });
    log(`torch baseline: ${names.join(', ')} on ${threads} thread(s)`);
    const stdout = await runPython(tools, [
      '-m', MODULE, '--weights', weights, '--noise', noisePath, '--configs', names.join(','),
      '--threads', String(threads), '--image-seeds', batchSeeds(settings, 0).join(','), '--out', join(work, 'out'),
    ], log);
    const parsed = parseTorchOutput(stdout);
    const rows: TorchBaselineRow[] = [];
    for (const r of parsed.results) {
      const ours = run.result.configurations.find((c) => c.name === r.name)!;
      const theirs = await readNpy(r.out);
      const torchImages: ImageBatch = { data: theirs.data as Float32Array, shape: theirs.shape as [number, number, number, number] };
      const denoiseImages = run.samples.get(r.name)!;
      let maxAbsDiff = 0;
      denoiseImages.data.forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - torchImages.data[i]!))));
      rows.push({
        name: r.name,
        wallMs: r.wall_ms,
        stepsPerSec: r.steps_per_sec,
        imagesPerSec: r.images_per_sec,
        torchOverDenoiseWall: r.wall_ms / ours.wall.meanMs,
        maxAbsDiff,
        ssimMean: compareWithReference(torchImages, denoiseImages).ssimMean,
      });
    }
    return { available: true, torch: parsed.results[0]?.torch ?? 'unknown', threads, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const torchOutputSchema = z.object({
  results: z.array(z.object({ name: z.string().min(1), wall_ms: z.number(), steps_per_sec: z.number(), images_per_sec: z.number(), torch: z.string(), out: z.string().min(1) })),
});

/** The JSON the baseline tool prints, checked: an error names the key path. */
function parseTorchOutput(stdout: string): z.infer<typeof torchOutputSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (error) {
    throw new Error(`tools' torch baseline printed no JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = torchOutputSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`tools' torch baseline printed an unexpected result: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** The configurations tools/denoise_tools/torch_baseline implements: DDPM and DDIM with leading or trailing spacing. */
export function torchBaselineRuns(spec: SamplerSpec): boolean {
  return (spec.kind === 'ddpm' || spec.kind === 'ddim') && spec.spacing !== 'linspace';
}

function runPython(tools: string, args: readonly string[], log: BenchLog): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONPATH: tools } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim()) log(`torch baseline: ${line.trim()}`);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`tools/denoise_tools/torch_baseline exited ${code}: ${stderr.slice(-500)}`))));
  });
}
