import { cpus, platform, release, totalmem } from 'node:os';
import { denoiseVersion, gitState } from '@denoise/repo-layout';
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
