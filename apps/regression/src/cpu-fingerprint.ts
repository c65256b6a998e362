/**
 * What decides whether onnxruntime's CPU kernels give the same bits: the CPU (MLAS picks its kernels by
 * instruction set), the OS and architecture. Two machines with the same fingerprint, onnxruntime version
 * and thread count are expected to reproduce a golden bit for bit; others only within its SSIM threshold.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The instruction sets MLAS dispatches on (x86-64); other flags do not change the arithmetic. */
const KERNEL_FLAGS: ReadonlySet<string> = new Set([
  'sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16',
  'avx512_fp16', 'avx_vnni', 'amx_tile', 'amx_bf16', 'amx_int8', 'asimd', 'asimddp', 'sve', 'i8mm', 'bf16',
]);

let fingerprint: string | undefined;

/** e.g. "AMD EPYC; linux-x64; avx avx2 avx512bw avx512f … fma sse4_2". */
export function cpuFingerprint(): string {
  fingerprint ??= [cpus()[0]?.model.trim() || 'unknown CPU', `${process.platform}-${process.arch}`, ...kernelFlags()].join('; ');
  return fingerprint;
}

function kernelFlags(): string[] {
  if (process.platform !== 'linux') return [];
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return [];
  }
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  const flags = line.split(/\s+/).filter((flag) => KERNEL_FLAGS.has(flag)).sort();
  return flags.length > 0 ? [flags.join(' ')] : [];
}
