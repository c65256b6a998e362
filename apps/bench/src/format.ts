import { formatGpuAdapter } from '@denoise/runtime';
import type { BenchResult, ConfigurationResult, CrossProviderRun, Quality, WallTime } from './bench-result.js';

/** Formatting of table cells, shared by the Markdown and HTML reports so both say the same thing. */
export const fixed = (value: number, digits: number): string => value.toFixed(digits);

export function wallCell(wall: WallTime): string {
  return `${fixed(wall.meanMs, 0)} ± ${wall.rmePct === null ? 'n/a' : `${fixed(wall.rmePct, 1)} %`}`;
}

export function ssimCell(quality: Quality): string {
  switch (quality.kind) {
    case 'reference':
      return 'reference';
    case 'stochastic':
      return 'n/a (stochastic)';
    case 'unmeasured':
      return '—';
    case 'measured':
      return `${fixed(quality.ssimMean, 4)} ± ${fixed(quality.ssimSd, 4)}`;
  }
}

export function psnrCell(quality: Quality): string {
  if (quality.kind !== 'measured') return ssimCell(quality);
  if (quality.psnrMean === null) return '∞ (identical)';
  const identical = quality.identicalImages > 0 ? ` (+${quality.identicalImages} identical)` : '';
  return `${fixed(quality.psnrMean, 2)} ± ${fixed(quality.psnrSd ?? 0, 2)}${identical}`;
}

export const TABLE_HEADER = [
  'configuration',
  'wall ms/batch (mean ± rme)',
  'p50 ms',
  'p99 ms',
  'runs',
  'model calls',
  'calls/s',
  'images/s',
  'model ms/call',
  'loop ms/call',
  'loop share',
  'overhead vs bare',
  'SSIM vs reference',
  'PSNR dB vs reference',
  'FID',
  'KID',
  'peak RSS MiB',
] as const;

export function tableRow(c: ConfigurationResult): string[] {
  return [
    c.name,
    wallCell(c.wall),
    fixed(c.wall.p50Ms, 0),
    fixed(c.wall.p99Ms, 0),
    String(c.wall.samples),
    String(c.modelCalls),
    fixed(c.callsPerSec, 2),
    fixed(c.imagesPerSec, 2),
    fixed(c.modelMsPerCall, 2),
    fixed(c.loopMsPerCall, 3),
    `${fixed((100 * c.loopMsPerCall) / (c.loopMsPerCall + c.modelMsPerCall), 2)} %`,
    `${fixed(c.overheadPct, 2)} %`,
    ssimCell(c.quality),
    psnrCell(c.quality),
    c.fid === null ? '—' : fixed(c.fid, 2),
    c.kid === null ? '—' : fixed(c.kid, 4),
    fixed(c.peakRssMiB, 0),
  ];
}

/** "webgpu on Mesa lavapipe (…), libvulkan_lvp.so, Vulkan 1.4.305 — software adapter (CPU speed, not a GPU)", or "cpu". */
export function providerLabel(provider: string, adapter: CrossProviderRun['adapter']): string {
  return adapter ? `${provider} on ${formatGpuAdapter(adapter)}` : provider;
}

export const CROSS_PROVIDER_HEADER = (provider: string, primary: string): string[] => [
  'configuration',
  `${provider} ms/batch (1 run)`,
  `${primary} ms/batch (mean)`,
  `max abs diff vs ${primary}`,
  `SSIM vs ${primary}`,
];

export function crossProviderRow(result: BenchResult, row: CrossProviderRun['rows'][number]): string[] {
  const primary = result.configurations.find((c) => c.name === row.name);
  return [row.name, fixed(row.wallMs, 0), primary ? fixed(primary.wall.meanMs, 0) : '—', row.maxAbsDiff.toExponential(2), fixed(row.ssimMean, 5)];
}

/** The sentence under a cross-provider table: what was run and how the setup costs compare. */
export function crossProviderNote(result: BenchResult, run: CrossProviderRun): string {
  const primary = result.crossProvider?.primary ?? result.settings.executionProvider;
  return (
    `Every configuration ran once on ${providerLabel(run.executionProvider, run.adapter)}, from the same seed (the same x_T and, ` +
    `for stochastic configurations, the same step noise) at batch ${result.settings.batch}, and its final images were compared with ${primary}'s: ` +
    `the largest absolute difference of the float images, and SSIM of the 8-bit images (mean over the batch). Session ${fixed(run.sessionMs, 0)} ms` +
    `${run.warmupMs !== undefined ? `, warm-up call ${fixed(run.warmupMs, 0)} ms${run.executionProvider === 'webgpu' ? ' (includes compiling the shaders)' : ''}` : ''}.` +
    (run.adapter?.software ? ' A software adapter runs on the CPU: its times say nothing about a GPU.' : '')
  );
}
