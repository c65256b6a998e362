/** The golden suite's summary: one row per case, the worst image's figures against the case's limits. */
import type { GoldenVerdict } from './golden-check.js';

const HEADER = ['case', 'result', 'min SSIM', 'SSIM threshold', 'min PSNR dB', 'PSNR floor dB', 'max abs diff', 'bit-identical'] as const;

/** A Markdown table (readable as plain text too). */
export function formatSummaryTable(verdicts: readonly GoldenVerdict[]): string {
  const rows = verdicts.map((v): string[] => {
    if (v.state === 'missing' || v.state === 'stale' || v.state === 'skipped' || v.state === 'unavailable') return [v.caseName, v.state, '–', '–', '–', '–', '–', '–'];
    const c = v.comparison;
    return [
      v.caseName,
      v.state,
      c.minSsim.toFixed(6),
      String(c.ssimThreshold),
      c.minPsnrDb === Infinity ? '∞' : c.minPsnrDb.toFixed(2),
      String(c.psnrFloorDb),
      String(c.maxAbsDiff),
      // Another provider is compared with a CPU golden: its bits are not expected to match.
      c.executionProvider !== undefined && c.executionProvider !== 'cpu'
        ? `n/a (${c.executionProvider})`
        : c.bitIdentical ? 'yes' : c.bitRequired ? 'NO (required)' : 'no',
    ];
  });
  const table = [[...HEADER], ...rows];
  const widths = HEADER.map((_, col) => Math.max(...table.map((row) => (row[col] as string).length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, col) => cell.padEnd(widths[col] as number)).join(' | ')} |`;
  return [line(table[0] as string[]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
