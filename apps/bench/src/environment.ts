import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';
import { denoiseVersion } from '@denoise/repo-layout';
import { onnxruntimeVersion } from '@denoise/runtime';

export interface BenchEnvironment {
  readonly cpuModel: string;
  readonly logicalCores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly onnxruntime: string;
  readonly denoise: string;
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  readonly date: string;
}

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

function gitState(): { gitCommit: string; gitDirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { gitCommit: commit, gitDirty: dirty };
  } catch {
    return { gitCommit: 'unknown', gitDirty: false };
  }
}
