import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { denoiseVersion } from '@denoise/repo-layout';
import { onnxruntimeVersion } from '@denoise/runtime';
import type { BenchEnvironment } from './bench-result.js';

export function describeEnvironment(now: Date): BenchEnvironment {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    logicalCores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    denoise: denoiseVersion(),
    ...gitState(),
    date: now.toISOString(),
  };
}

export function gitState(): { gitCommit: string; gitDirty: boolean } {
  try {
    // Asked where this code lives, not in the working directory (the bench may run from anywhere).
    const cwd = dirname(fileURLToPath(import.meta.url));
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { gitCommit: commit, gitDirty: dirty };
  } catch {
    return { gitCommit: 'unknown', gitDirty: false };
  }
}
