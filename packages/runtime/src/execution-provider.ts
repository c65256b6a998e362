import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ExecutionProviderError } from './model-errors.js';
import { probeModelBytes } from './probe-model.js';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';
export type ExecutionProviderChoice = ExecutionProvider | 'auto';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'webgpu', 'cuda'];
export const EXECUTION_PROVIDER_CHOICES: readonly ExecutionProviderChoice[] = [...EXECUTION_PROVIDERS, 'auto'];
/** 'auto' takes the first usable one in this order. */
const AUTO_ORDER: readonly ExecutionProvider[] = ['cuda', 'webgpu', 'cpu'];

export interface ExecutionProviderStatus {
  readonly name: ExecutionProvider;
  /** Shipped inside onnxruntime-node (cpu, webgpu) or installed separately (cuda). */
  readonly bundled: boolean;
  readonly usable: boolean;
  /** Why it is not usable: the first line of onnxruntime's error. */
  readonly reason?: string;
}

/** Which execution providers can start a session on this machine, found by creating a tiny probe session with each. */
export async function listExecutionProviders(): Promise<readonly ExecutionProviderStatus[]> {
  const backends = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const statuses: ExecutionProviderStatus[] = [];
  for (const name of EXECUTION_PROVIDERS) {
    const bundled = backends.get(name) ?? false;
    const missing = missingProviderLibrary(name);
    if (missing) {
      statuses.push({ name, bundled, usable: false, reason: missing });
      continue;
    }
    if (name === 'cpu') {
      statuses.push({ name, bundled, usable: true });
      continue;
    }
    const probe = await probeInChildProcess(name);
    statuses.push({ name, bundled, usable: probe.usable, ...(probe.reason !== undefined ? { reason: probe.reason } : {}) });
  }
  return statuses;
}

/**
 * Creates a tiny session with the provider in a child process. Dawn and the Vulkan loader write their warnings
 * (some look like stack traces) straight to the native stderr, which JavaScript cannot redirect; in a child
 * process they are captured instead, and shown only with DENOISE_DEBUG=1.
 */
async function probeInChildProcess(name: ExecutionProvider): Promise<{ usable: boolean; reason?: string }> {
  const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const script =
    `const ort = require(${JSON.stringify(ortEntry)});` +
    `const bytes = require('node:fs').readFileSync(0);` +
    `ort.InferenceSession.create(bytes, { executionProviders: [${JSON.stringify(name)}], logSeverityLevel: 4 })` +
    `.then((s) => s.release()).then(() => process.stdout.write(JSON.stringify({ usable: true })),` +
    ` (e) => process.stdout.write(JSON.stringify({ usable: false, reason: String((e && e.message) || e) })));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(probeModelBytes());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (process.env['DENOISE_DEBUG'] === '1' && stderr.trim() !== '') {
    process.stderr.write(`[debug] ${name} provider probe said:\n${stderr.replace(/^/gm, '[debug]   ')}\n`);
  }
  try {
    const result = JSON.parse(stdout) as { usable: boolean; reason?: string };
    return result.usable ? { usable: true } : { usable: false, reason: firstLine(new Error(result.reason)) };
  } catch {
    return { usable: false, reason: `the probe process exited with code ${code} (${stderr.trim().split('\n').pop() ?? 'no output'})` };
  }
}

/** Turns a choice into a provider that is usable here, or fails naming the usable ones: never a silent fallback. */
export async function resolveExecutionProvider(choice: ExecutionProviderChoice): Promise<ExecutionProvider> {
  if (!EXECUTION_PROVIDER_CHOICES.includes(choice)) {
    throw new ExecutionProviderError(
      `unknown execution provider '${String(choice)}'; allowed: ${EXECUTION_PROVIDER_CHOICES.join(', ')}`,
    );
  }
  if (choice === 'cpu') return 'cpu';
  const statuses = await listExecutionProviders();
  const usable = statuses.filter((s) => s.usable).map((s) => s.name);
  if (choice === 'auto') return AUTO_ORDER.find((name) => usable.includes(name)) ?? 'cpu';
  const status = statuses.find((s) => s.name === choice);
  if (status?.usable) return choice;
  throw new ExecutionProviderError(
    `execution provider '${choice}' is not usable here (${status?.reason ?? 'unknown'}); usable: ${usable.join(', ')}`,
  );
}

/**
 * CUDA's provider libraries are not shipped in onnxruntime-node: its install script downloads them, and the
 * workspace skips that script. Checking for the file first avoids onnxruntime's loud native error log.
 */
function missingProviderLibrary(name: ExecutionProvider): string | undefined {
  if (name !== 'cuda') return undefined;
  const binding = createRequire(import.meta.url).resolve('onnxruntime-node');
  const binDir = join(dirname(binding), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const library = join(binDir, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
  if (existsSync(library)) return undefined;
  return `CUDA provider libraries are not installed (${library} is missing; onnxruntime-node's install script downloads them)`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? message;
  // onnxruntime prefixes its own source location and the failed check; keep the human part after it.
  return (/was false\.\s*(.+)$/.exec(line)?.[1] ?? line).slice(0, 240);
}
