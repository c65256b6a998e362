import type { BenchResult } from './bench-result.js';
import { CROSS_PROVIDER_HEADER, crossProviderNote, crossProviderRow, fixed, providerLabel, TABLE_HEADER, tableRow } from './format.js';

export function renderMarkdown(result: BenchResult): string {
  const { environment: env, settings } = result;
  const lines = [
    `# denoise bench — ${env.date}`,
    '',
    `Model \`${settings.model}\` (sha256 ${settings.modelSha256.slice(0, 12)}…), batch ${settings.batch}, seed ${settings.seed} ` +
      `(torch generator), execution provider ${providerLabel(settings.executionProvider, settings.adapter)}, threads ${settings.threads ?? 'default'}` +
      `${settings.quick ? ', quick mode' : ''}.`,
    `${env.cpuModel}, ${env.logicalCores} logical cores, ${env.memoryGiB} GiB, ${env.os}; Node ${env.node}, ` +
      `onnxruntime-node ${env.onnxruntime}, denoise ${env.denoise} @ ${env.gitCommit.slice(0, 10)}${env.gitDirty ? ' (dirty)' : ''}.`,
    '',
    `| ${TABLE_HEADER.join(' | ')} |`,
    `| ${TABLE_HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...result.configurations.map((c) => `| ${tableRow(c).join(' | ')} |`),
    '',
    `Bare \`session.run\` on the same inputs: ${fixed(result.bareCall.meanMs, 2)} ms per call ` +
      `(± ${result.bareCall.rmePct === null ? 'n/a' : fixed(result.bareCall.rmePct, 1)} %, ${result.bareCall.samples} calls); ` +
      "each configuration's ceiling is steps × the same call timed again right after it (min(steps, 100) calls), " +
      'and *overhead vs bare* is how far its wall time is above that ceiling.',
    (settings.reference === 'none'
      ? 'Quality: not compared (--reference none). '
      : `Quality: SSIM/PSNR (8-bit, per image, mean ± sd over the batch) against ${settings.reference} from the same x_T. `) +
      'DDPM and DDIM with η > 0 draw fresh noise every step, so per-image similarity does not apply to them. ' +
      (settings.fid
        ? `FID/KID: ${settings.fid.samples} samples per configuration in the feature space of ${settings.fid.classifier} (sha256 ${settings.fid.classifierSha256.slice(0, 12)}…), against the real Fashion-MNIST test set.`
        : 'FID/KID need `--quality fid` (not part of this run): the columns stay empty rather than invented.'),
    '',
    ...renderDistribution(result),
    ...renderTorchBaseline(result),
    ...renderCrossProvider(result),
  ];
  return lines.join('\n');
}

function renderCrossProvider(result: BenchResult): string[] {
  const cross = result.crossProvider;
  if (cross === undefined) return [];
  return [
    '## Across execution providers',
    '',
    ...cross.providers.flatMap((run) => {
      const header = CROSS_PROVIDER_HEADER(run.executionProvider, cross.primary);
      return [
        `### ${run.executionProvider} vs ${cross.primary}${run.adapter?.software ? ' (software adapter)' : ''}`,
        '',
        crossProviderNote(result, run),
        '',
        `| ${header.join(' | ')} |`,
        `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
        ...run.rows.map((r) => `| ${crossProviderRow(result, r).join(' | ')} |`),
        '',
      ];
    }),
  ];
}

function renderTorchBaseline(result: BenchResult): string[] {
  const baseline = result.torchBaseline;
  if (baseline === undefined) return [];
  if (!baseline.available) return [`PyTorch baseline: not run (${baseline.reason}).`, ''];
  return [
    `## PyTorch baseline (torch ${baseline.torch}, ${baseline.threads} thread(s), same weights and x_T, one timed run each)`,
    '',
    '| configuration | PyTorch ms/batch | PyTorch steps/s | PyTorch / denoise wall | max abs diff vs denoise | SSIM vs denoise |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...baseline.rows.map(
      (r) =>
        `| ${r.name} | ${fixed(r.wallMs, 0)} | ${fixed(r.stepsPerSec, 2)} | ${fixed(r.torchOverDenoiseWall, 3)}× | ${r.maxAbsDiff.toExponential(2)} | ${fixed(r.ssimMean, 4)} |`,
    ),
    '',
  ];
}

function renderDistribution(result: BenchResult): string[] {
  const rows = result.configurations.filter((c) => c.distribution !== undefined);
  if (rows.length === 0) return [];
  const classes = rows[0]!.distribution!.classCounts.length;
  return [
    '## Distribution quality and mode coverage',
    '',
    `| configuration | samples | FID | KID ± std over subsets | ${Array.from({ length: classes }, (_, k) => `class ${k}`).join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ${Array.from({ length: classes }, () => '---:').join(' | ')} |`,
    ...rows.map((c) => {
      const d = c.distribution!;
      return `| ${c.name} | ${d.samples} | ${fixed(d.fid, 2)} | ${fixed(d.kid, 4)} ± ${fixed(d.kidStd, 4)} | ${d.classCounts.join(' | ')} |`;
    }),
    '',
    'Classes are the classifier\'s predictions (argmax of its logits): 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, ' +
      '5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot for the Fashion-MNIST classifier. The real test set is close to uniform.',
    '',
  ];
}
