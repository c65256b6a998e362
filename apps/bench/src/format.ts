import type { ConfigurationResult, Quality, WallTime } from './bench-result.js';

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
