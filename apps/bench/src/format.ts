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

/** "12.3 [11.9, 12.8]": a value and its 95 % interval. */
export const withInterval = (value: number, interval: { low: number; high: number } | null | undefined, digits: number, unit = ''): string =>
  interval ? `${fixed(value, digits)}${unit} [${fixed(interval.low, digits)}, ${fixed(interval.high, digits)}]` : `${fixed(value, digits)}${unit}`;

const TABLE_HEADER = [
  'configuration',
  'model calls',
  'batches',
  'wall ms/batch (mean ± rme)',
  'p50 ms',
  'speed vs baseline [95 % CI]',
  'calls/s',
  'images/s',
  'model ms/call',
  'loop ms/call',
  'harness overhead [95 % CI]',
  'wall / bare ceiling [95 % CI]',
  'SSIM vs reference',
  'PSNR dB vs reference',
  'FID [95 % CI]',
  'KID',
  'peak RSS MiB',
] as const;

/** A pipeline's extra column, after the per-call times: its batch part by part. */
const SPLIT_HEADER = 'text · UNet · loop · VAE ms/batch';
const SPLIT_AFTER = TABLE_HEADER.indexOf('loop ms/call') + 1;

/**
 * The results table, header and rows, as both reports show it; a text-to-image result has one more column, the
 * split of a batch into text encoding, UNet calls, the loop's own work and VAE decoding.
 */
export function resultTable(result: Pick<BenchResult, 'configurations'>): { header: string[]; rows: string[][] } {
  const split = result.configurations.some((c) => c.split !== undefined);
  const withSplit = (cells: readonly string[], extra: string) => (split ? [...cells.slice(0, SPLIT_AFTER), extra, ...cells.slice(SPLIT_AFTER)] : [...cells]);
  return {
    header: withSplit(TABLE_HEADER, SPLIT_HEADER),
    rows: result.configurations.map((c) => withSplit(tableRow(c), c.split ? splitCell(c.split) : '—')),
  };
}

/** "12 · 840 · 3 · 95": ms per batch of each part, to the ms (to 0.1 ms below 10 ms). */
function splitCell(split: NonNullable<ConfigurationResult['split']>): string {
  return [split.textMs, split.unetMs, split.loopMs, split.decodeMs].map((ms) => fixed(ms, ms < 10 ? 1 : 0)).join(' · ');
}

function tableRow(c: ConfigurationResult): string[] {
  return [
    c.name,
    String(c.modelCalls),
    String(c.wall.samples),
    wallCell(c.wall),
    fixed(c.wall.p50Ms, 0),
    c.speedup ? withInterval(c.speedup.ratio, c.speedup, c.speedup.ratio >= 10 ? 1 : 2, '×') : '—',
    fixed(c.callsPerSec, 2),
    fixed(c.imagesPerSec, 2),
    fixed(c.modelMsPerCall, 2),
    fixed(c.loopMsPerCall, 3),
    withInterval(c.overheadPct, c.overheadInterval, 2, ' %'),
    c.vsBare ? withInterval(c.vsBare.ratio, c.vsBare, 3, '×') : '—',
    ssimCell(c.quality),
    psnrCell(c.quality),
    c.fid === null ? '—' : withInterval(c.fid, c.distribution?.fidInterval, 2),
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

/** What every FID of a run is: samples, feature space (extractor, sha256, protocol) and reference, in one sentence. */
export function describeFidSettings(fid: NonNullable<BenchResult['settings']['fid']>): string {
  return (
    `FID/KID: ${fid.samples} samples per configuration in the feature space of ${fid.classifier} (sha256 ${fid.classifierSha256.slice(0, 12)}…)` +
    `${fid.protocol ? ', each image read as its 8-bit PNG would be' : ''}, against ${fid.reference ?? 'the real Fashion-MNIST test set'}.`
  );
}
