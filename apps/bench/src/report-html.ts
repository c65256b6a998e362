import type { BenchResult, ConfigurationResult } from './bench-result.js';
import { CROSS_PROVIDER_HEADER, crossProviderNote, crossProviderRow, describeFidSettings, fixed, providerLabel, resultTable, withInterval } from './format.js';
import { placeLabels, renderFrontierChart } from './report-frontier.js';

export interface ReportRun {
  readonly label: string;
  readonly result: BenchResult;
  /** PNG grid per configuration name; a configuration without one shows a note instead. */
  readonly grids: ReadonlyMap<string, Buffer>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page (no external assets): the table, quality against wall time, and the grids side by side. */
export function renderHtml(runs: readonly ReportRun[]): string {
  const title = runs.length === 1 ? 'denoise bench' : `denoise bench: ${runs.map((r) => r.label).join(' vs ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}
.runs{display:flex;gap:32px;flex-wrap:wrap}.run{flex:1;min-width:480px}
.grids{display:flex;gap:12px;flex-wrap:wrap}.grids figure{margin:0;text-align:center}
.grids img{width:192px;image-rendering:pixelated;border:1px solid #ddd}
.note{color:#666;font-size:12px}.software{color:#9a6700;font-weight:normal}
</style></head><body>
<h1>${escape(title)}</h1>
<div class="runs">${runs.map(renderRun).join('\n')}</div>
</body></html>
`;
}

function renderRun(run: ReportRun): string {
  const { result } = run;
  const { environment: env, settings } = result;
  const table = resultTable(result);
  const rows = table.rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('\n');
  const grids = result.configurations
    .map((c) => {
      const png = run.grids.get(c.name);
      const image = png ? `<img alt="${escape(c.name)} samples" src="data:image/png;base64,${png.toString('base64')}">` : '<p class="note">grid not stored</p>';
      return `<figure data-config="${escape(c.name)}">${image}<figcaption>${escape(c.name)}<br>${fixed(c.wall.meanMs / 1000, 2)} s/batch</figcaption>${renderHistogram(c)}</figure>`;
    })
    .join('\n');
  return `<section class="run" data-run="${escape(run.label)}">
<h2>${escape(run.label)}</h2>
<p>${escape(`${env.date} · ${env.cpuModel}, ${env.logicalCores} cores · Node ${env.node} · onnxruntime-node ${env.onnxruntime} · ${providerLabel(settings.executionProvider, settings.adapter)}`)}<br>
${escape(`model ${settings.model} (${settings.modelSha256.slice(0, 12)}…) · batch ${settings.batch} · seed ${settings.seed} · denoise ${env.denoise} @ ${env.gitCommit.slice(0, 10)}`)}</p>
${renderTextToImage(result)}
${renderFrontierChart(result.configurations, settings.batch)}
${settings.fid ? `<p class="note">${escape(describeFidSettings(settings.fid))}</p>` : ''}
${renderFidComparisons(result)}
<table class="results"><thead><tr>${table.header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<p class="note">${escape(speedNote(result))} Bare session.run: ${fixed(result.bareCall.meanMs, 2)} ms per call. Quality is SSIM against ${escape(settings.reference)} from the same x_T${settings.textToImage ? ' and prompt' : ''}; stochastic configurations have none. FID/KID are empty unless a distribution-metric run filled them.</p>
${renderTorchBaseline(result)}
${renderCrossProvider(result)}
<h3>SSIM against wall time</h3>
${renderChart(result.configurations)}
${renderFidChart(result.configurations)}
<h3>Samples from the same x_T</h3>
<div class="grids">${grids}</div>
</section>`;
}

/** Every pair's paired FID difference; significant ones (interval excluding 0) in bold with the better one named. */
function renderFidComparisons(result: BenchResult): string {
  const comparisons = result.fidComparisons;
  if (!comparisons || comparisons.length === 0) return '';
  const rows = comparisons
    .map((c) => {
      const significant = c.low > 0 || c.high < 0;
      const verdict = significant ? `<strong>significant: ${escape(c.difference < 0 ? c.a : c.b)} is better</strong>` : 'within noise';
      return `<tr class="${significant ? 'significant' : 'noise'}"><td>${escape(c.a)}</td><td>${escape(c.b)}</td><td>${escape(withInterval(c.difference, c, 2))}</td><td>${verdict}</td></tr>`;
    })
    .join('');
  return `<details><summary>Which FID differences are real (paired bootstrap, 95 %)</summary>
<table class="fid-comparisons"><thead><tr><th>a</th><th>b</th><th>FID(a) − FID(b) [95 % CI]</th><th></th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

/** A pipeline's conditioning under the run's line: prompts (image i takes prompt i mod P), negative prompt, guidance, size. */
function renderTextToImage(result: BenchResult): string {
  const t = result.settings.textToImage;
  if (!t) return '';
  const size = result.settings.imageSize;
  const negative = t.negativePrompt === null ? 'no negative prompt' : `negative prompt "${t.negativePrompt}"`;
  const prompts = t.prompts.map((p) => `<li>${escape(p)}</li>`).join('');
  return `<p class="conditioning">${escape(`${t.pipeline}${size ? ` · ${size.height}×${size.width}` : ''} · guidance scale ${t.guidanceScale} · ${negative} · image i takes prompt i mod ${t.prompts.length}`)}</p>
<details class="prompts"><summary>${t.prompts.length} prompt(s), sha256 ${t.promptsSha256.slice(0, 12)}…</summary><ol start="0">${prompts}</ol></details>`;
}

/** Which configuration the speed column is relative to, and how the intervals were made. */
function speedNote(result: BenchResult): string {
  const baseline = result.configurations.find((c) => c.speedup)?.speedup?.baseline;
  if (!baseline) return '';
  return `Speed vs baseline: how many times faster than ${baseline}, from time-matched costs (model calls × the per-call model time pooled over the run per kind of call — plain, DeepCache full or shallow, float32 or int8 —, plus each configuration's own time outside the model); intervals are 95 % bootstrap intervals over the interleaved batches.`;
}

function renderTorchBaseline(result: BenchResult): string {
  const baseline = result.torchBaseline;
  if (baseline === undefined) return '';
  if (!baseline.available) return `<p class="note">PyTorch baseline: not run (${escape(baseline.reason)}).</p>`;
  const rows = baseline.rows
    .map((r) => `<tr><td>${escape(r.name)}</td><td>${fixed(r.wallMs, 0)}</td><td>${fixed(r.torchOverDenoiseWall, 3)}×</td><td>${r.maxAbsDiff.toExponential(2)}</td><td>${fixed(r.ssimMean, 4)}</td></tr>`)
    .join('');
  return `<h3>PyTorch baseline (torch ${escape(baseline.torch)}, ${baseline.threads} thread(s))</h3>
<table class="torch"><thead><tr><th>configuration</th><th>PyTorch ms/batch</th><th>PyTorch / denoise wall</th><th>max abs diff</th><th>SSIM vs denoise</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderCrossProvider(result: BenchResult): string {
  const cross = result.crossProvider;
  if (cross === undefined) return '';
  const tables = cross.providers
    .map((run) => {
      const header = CROSS_PROVIDER_HEADER(run.executionProvider, cross.primary);
      const rows = run.rows.map((r) => `<tr>${crossProviderRow(result, r).map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('');
      const software = run.adapter?.software ? ' <span class="software">(software adapter)</span>' : '';
      return `<h4>${escape(`${run.executionProvider} vs ${cross.primary}`)}${software}</h4>
<p class="note">${escape(crossProviderNote(result, run))}</p>
<table class="cross-provider" data-provider="${escape(run.executionProvider)}"><thead><tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('\n');
  return `<h3>Across execution providers</h3>\n${tables}`;
}

/** FID against steps on a log axis, one line per η, DDPM-1000 as a dashed level: the DDIM paper's Table 1 as a chart. */
function renderFidChart(configurations: readonly ConfigurationResult[]): string {
  const measured = configurations.filter((c) => c.fid !== null);
  if (measured.length === 0) return '';
  const width = 520;
  const height = 300;
  const left = 56;
  const bottom = 40;
  const fids = measured.map((c) => c.fid!);
  const steps = measured.map((c) => c.steps);
  const [xMin, xMax] = [Math.log10(Math.min(...steps)) - 0.1, Math.log10(Math.max(...steps)) + 0.1];
  const yMax = Math.max(...fids) * 1.1;
  const x = (s: number) => left + ((Math.log10(s) - xMin) / (xMax - xMin)) * (width - left - 90);
  const y = (f: number) => 10 + (1 - f / yMax) * (height - bottom - 20);
  const colors = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df'];
  const ddim = measured.filter((c) => c.kind === 'ddim');
  const etas = [...new Set(ddim.map((c) => c.eta))].sort((a, b) => a - b);
  const lines = etas
    .map((eta, i) => {
      const pts = ddim.filter((c) => c.eta === eta).sort((a, b) => a.steps - b.steps);
      const color = colors[i % colors.length]!;
      const path = pts.map((c, j) => `${j === 0 ? 'M' : 'L'}${x(c.steps).toFixed(1)},${y(c.fid!).toFixed(1)}`).join(' ');
      const last = pts[pts.length - 1]!;
      return `<g class="fid-line" data-eta="${eta}"><path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${pts
        .map((c) => `<circle cx="${x(c.steps).toFixed(1)}" cy="${y(c.fid!).toFixed(1)}" r="3" fill="${color}"/>`)
        .join('')}<text x="${x(last.steps) + 6}" y="${y(last.fid!) + 4}" font-size="11" fill="${color}">η = ${eta}</text></g>`;
    })
    .join('');
  const ddpm = measured.filter((c) => c.kind === 'ddpm');
  const levels = ddpm
    .map((c) => `<g class="fid-level"><line x1="${left}" x2="${width - 90}" y1="${y(c.fid!)}" y2="${y(c.fid!)}" stroke="#555" stroke-dasharray="5 4"/><text x="${width - 86}" y="${y(c.fid!) + 4}" font-size="11">${escape(c.name)}</text></g>`)
    .join('');
  const xTicks = [...new Set(steps)]
    .map((s) => `<text x="${x(s)}" y="${height - bottom + 14}" font-size="10" text-anchor="middle">${s}</text>`)
    .join('');
  const yTicks = [0, yMax / 2, yMax].map((f) => `<text x="${left - 6}" y="${y(f) + 4}" font-size="10" text-anchor="end">${f.toFixed(1)}</text>`).join('');
  return `<h3>FID against steps</h3>
<svg class="fid-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="FID against steps">
<line x1="${left}" y1="10" x2="${left}" y2="${height - bottom}" stroke="#888"/><line x1="${left}" y1="${height - bottom}" x2="${width - 90}" y2="${height - bottom}" stroke="#888"/>
${xTicks}${yTicks}${levels}${lines}
<text x="${(width - 90) / 2}" y="${height - 4}" font-size="11" text-anchor="middle">steps S (log scale); lower FID is better</text></svg>`;
}

/** Predicted-class histogram (mode coverage) under a grid, when distribution quality was measured. */
function renderHistogram(c: ConfigurationResult): string {
  const counts = c.distribution?.classCounts;
  if (!counts || counts.length === 0) return '';
  const max = Math.max(...counts, 1);
  const bars = counts
    .map((n, k) => `<rect x="${k * 19}" y="${40 - (n / max) * 38}" width="16" height="${(n / max) * 38}" fill="#1f6feb"><title>class ${k}: ${n}</title></rect>`)
    .join('');
  return `<svg class="histogram" width="190" height="42" role="img" aria-label="predicted classes of ${escape(c.name)}">${bars}</svg>`;
}

/** SVG scatter: x = wall time per batch (log scale), y = SSIM vs the reference; stochastic configurations sit on a separate strip. */
function renderChart(configurations: readonly ConfigurationResult[]): string {
  const width = 520;
  const height = 300;
  const left = 56;
  const bottom = 40;
  const plotted = configurations.map((c) => ({
    name: c.name,
    ms: c.wall.meanMs,
    ssim: c.quality.kind === 'measured' ? c.quality.ssimMean : c.quality.kind === 'reference' ? 1 : null,
  }));
  const xs = plotted.map((p) => Math.log10(p.ms));
  const [xMin, xMax] = [Math.min(...xs) - 0.1, Math.max(...xs) + 0.1];
  const measured = plotted.filter((p) => p.ssim !== null).map((p) => p.ssim!);
  const yMin = Math.min(0.9, ...measured) - 0.01;
  const x = (ms: number) => left + ((Math.log10(ms) - xMin) / (xMax - xMin)) * (width - left - 90);
  const y = (s: number | null) => (s === null ? height - bottom + 22 : 20 + ((1 - s) / (1 - yMin)) * (height - bottom - 30));
  // Labels beside their points where they fit without overlapping another label or point (else only the tooltip).
  const boxes = plotted.map((p) => ({ x: x(p.ms) - 5, y: y(p.ssim) - 5, w: 10, h: 10 }));
  const spots = placeLabels(
    plotted.map((p) => {
      const w = p.name.length * 6.2;
      const [px, py] = [x(p.ms), y(p.ssim)];
      return { text: p.name, candidates: [{ x: px + 7, y: py - 16, w, h: 12 }, { x: px + 7, y: py + 3, w, h: 12 }, { x: px - w - 7, y: py - 16, w, h: 12 }, { x: px - w - 7, y: py + 3, w, h: 12 }] };
    }),
    boxes,
    { x: 0, y: 0, w: width, h: height - 10 },
  );
  const points = plotted
    .map((p, i) => {
      const spot = spots[i];
      return (
        `<g class="point" data-config="${escape(p.name)}"><title>${escape(p.name)}</title><circle cx="${x(p.ms).toFixed(1)}" cy="${y(p.ssim).toFixed(1)}" r="5" fill="${p.ssim === null ? '#999' : '#1f6feb'}"/>` +
        (spot ? `<text x="${spot.x.toFixed(1)}" y="${(spot.y + 10).toFixed(1)}" font-size="11">${escape(p.name)}</text>` : '') +
        '</g>'
      );
    })
    .join('');
  const yTicks = [yMin, (yMin + 1) / 2, 1]
    .map((s) => `<text x="${left - 6}" y="${y(s) + 4}" font-size="10" text-anchor="end">${s.toFixed(3)}</text>`)
    .join('');
  const xTicks = [xMin + 0.1, (xMin + xMax) / 2, xMax - 0.1]
    .map((lx) => `<text x="${x(10 ** lx)}" y="${height - bottom + 12}" font-size="10" text-anchor="middle">${(10 ** lx / 1000).toFixed(1)} s</text>`)
    .join('');
  return `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SSIM against wall time">
<line x1="${left}" y1="10" x2="${left}" y2="${height - bottom}" stroke="#888"/><line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="#888"/>
${yTicks}${xTicks}
<text x="${width / 2}" y="${height - 4}" font-size="11" text-anchor="middle">wall time per batch (log scale); grey = stochastic (no per-image SSIM)</text>
<text x="12" y="${(height - bottom) / 2}" font-size="11" transform="rotate(-90 12 ${(height - bottom) / 2})" text-anchor="middle">SSIM</text>
${points}</svg>`;
}
