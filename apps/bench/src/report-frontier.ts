import type { ConfigurationResult } from './bench-result.js';
import { parseSamplerSpec } from './sampler-spec.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A sampler family: the configuration name without its step count (ddim, ddim-eta1, dpm-solver-karras, …). */
export function familyOf(name: string): string {
  const spec = parseSamplerSpec(name);
  return name.replace(`${spec.kind}-${spec.steps}`, spec.kind);
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Greedy label placement: each label takes the first of its candidate positions that overlaps neither a label placed
 * before it nor any obstacle (points, error bars), or is left out (its value stays in the table and the tooltip).
 */
export function placeLabels(labels: readonly { text: string; candidates: readonly Box[] }[], obstacles: readonly Box[], bounds: Box): (Box | undefined)[] {
  const placed: Box[] = [];
  return labels.map((label) => {
    const spot = label.candidates.find(
      (c) => c.x >= bounds.x && c.y >= bounds.y && c.x + c.w <= bounds.x + bounds.w && c.y + c.h <= bounds.y + bounds.h && ![...placed, ...obstacles].some((o) => overlaps(c, o)),
    );
    if (spot) placed.push(spot);
    return spot;
  });
}

const COLORS = ['#1f6feb', '#cf222e', '#2da44e', '#bf8700', '#8250df', '#0a7f8c', '#6e7781'];
const CHAR_W = 6.2;

/**
 * The frontier a reader comes for: FID (with its 95 % interval) against wall time per image (log scale), one line per
 * sampler family through its step counts, every point labelled with its steps where the label fits.
 */
export function renderFrontierChart(configurations: readonly ConfigurationResult[], batch: number): string {
  const measured = configurations.filter((c) => c.distribution !== undefined);
  if (measured.length === 0) return '';
  const legendText = (family: string) => (family === 'ddim' ? 'ddim (η = 0)' : family.replace(/-eta([\d.]+)/, ' (η = $1)'));
  const families = [...new Set(measured.map((c) => familyOf(c.name)))];
  // Wide enough for the longest legend entry (a family with model-side modifiers: dpm-solver+deepcache3+int8).
  const width = Math.max(720, 64 + 520 + 32 + Math.ceil(Math.max(...families.map((f) => legendText(f).length)) * CHAR_W) + 8);
  const height = 420;
  const plot = { x: 64, y: 16, w: 520, h: 340 };
  const seconds = (c: ConfigurationResult) => c.wall.meanMs / batch / 1000;
  const xs = measured.map((c) => Math.log10(seconds(c)));
  const [xMin, xMax] = [Math.min(...xs) - 0.15, Math.max(...xs) + 0.15];
  const yMax = Math.max(...measured.map((c) => c.distribution!.fidInterval?.high ?? c.distribution!.fid)) * 1.08;
  const x = (s: number) => plot.x + ((Math.log10(s) - xMin) / (xMax - xMin)) * plot.w;
  const y = (f: number) => plot.y + (1 - f / yMax) * plot.h;

  const colorOf = (family: string) => COLORS[families.indexOf(family) % COLORS.length]!;
  const points = measured.map((c) => {
    const d = c.distribution!;
    return { c, family: familyOf(c.name), px: x(seconds(c)), py: y(d.fid), lo: y(d.fidInterval?.low ?? d.fid), hi: y(d.fidInterval?.high ?? d.fid) };
  });
  const obstacles: Box[] = points.flatMap((p) => [
    { x: p.px - 4, y: p.py - 4, w: 8, h: 8 },
    { x: p.px - 1, y: p.hi, w: 2, h: p.lo - p.hi },
  ]);
  const lines = families
    .map((family) => {
      const own = points.filter((p) => p.family === family).sort((a, b) => a.px - b.px);
      const path = own.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.px.toFixed(1)},${p.py.toFixed(1)}`).join(' ');
      const color = colorOf(family);
      const marks = own
        .map(
          (p) =>
            `<g class="frontier-point" data-config="${escape(p.c.name)}"><title>${escape(`${p.c.name}: FID ${p.c.distribution!.fid.toFixed(2)}` + (p.c.distribution!.fidInterval ? ` [${p.c.distribution!.fidInterval.low.toFixed(2)}, ${p.c.distribution!.fidInterval.high.toFixed(2)}]` : '') + `, ${seconds(p.c).toFixed(3)} s per image`)}</title>` +
            `<line x1="${p.px.toFixed(1)}" x2="${p.px.toFixed(1)}" y1="${p.lo.toFixed(1)}" y2="${p.hi.toFixed(1)}" stroke="${color}" stroke-width="1.5"/>` +
            `<line x1="${(p.px - 4).toFixed(1)}" x2="${(p.px + 4).toFixed(1)}" y1="${p.lo.toFixed(1)}" y2="${p.lo.toFixed(1)}" stroke="${color}"/>` +
            `<line x1="${(p.px - 4).toFixed(1)}" x2="${(p.px + 4).toFixed(1)}" y1="${p.hi.toFixed(1)}" y2="${p.hi.toFixed(1)}" stroke="${color}"/>` +
            `<circle cx="${p.px.toFixed(1)}" cy="${p.py.toFixed(1)}" r="4" fill="${color}"/></g>`,
        )
        .join('');
      return `<g class="frontier-line" data-family="${escape(family)}"><path d="${path}" fill="none" stroke="${color}" stroke-width="2" opacity="0.8"/>${marks}</g>`;
    })
    .join('');

  // Step labels beside their points; then the legend in the right margin (one entry per family, never overlapping).
  const stepLabels = points.map((p) => {
    const text = `S=${p.c.steps}`;
    const w = text.length * CHAR_W;
    const h = 12;
    return {
      text,
      color: colorOf(p.family),
      candidates: [
        { x: p.px + 7, y: p.py - h - 2, w, h },
        { x: p.px + 7, y: p.py + 2, w, h },
        { x: p.px - w - 7, y: p.py - h - 2, w, h },
        { x: p.px - w - 7, y: p.py + 2, w, h },
        { x: p.px - w / 2, y: p.hi - h - 2, w, h },
        { x: p.px - w / 2, y: p.lo + 2, w, h },
      ],
    };
  });
  const spots = placeLabels(stepLabels, obstacles, plot);
  const labelSvg = stepLabels
    .map((l, i) => {
      const s = spots[i];
      return s ? `<text class="step-label" x="${s.x.toFixed(1)}" y="${(s.y + 10).toFixed(1)}" font-size="10" fill="${l.color}">${escape(l.text)}</text>` : '';
    })
    .join('');
  const legend = families
    .map((family, i) => `<g class="legend"><rect x="${plot.x + plot.w + 16}" y="${plot.y + i * 18}" width="12" height="3" fill="${colorOf(family)}"/><text x="${plot.x + plot.w + 32}" y="${plot.y + i * 18 + 5}" font-size="11">${escape(legendText(family))}</text></g>`)
    .join('');
  // 1-2-5 ticks inside the range.
  const ticks: number[] = [];
  for (let e = Math.floor(xMin); e <= Math.ceil(xMax); e++) for (const m of [1, 2, 5]) if (Math.log10(m * 10 ** e) >= xMin && Math.log10(m * 10 ** e) <= xMax) ticks.push(m * 10 ** e);
  const xTicks = ticks
    .map((s) => `<text x="${x(s).toFixed(1)}" y="${plot.y + plot.h + 14}" font-size="10" text-anchor="middle">${Number(s.toPrecision(1))}</text><line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h + 4}" stroke="#888"/>`)
    .join('');
  const yStep = niceStep(yMax / 5);
  const yTicks = [];
  for (let f = 0; f <= yMax; f += yStep) {
    yTicks.push(`<text x="${plot.x - 6}" y="${(y(f) + 4).toFixed(1)}" font-size="10" text-anchor="end">${f.toFixed(yStep < 1 ? 1 : 0)}</text><line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y(f).toFixed(1)}" y2="${y(f).toFixed(1)}" stroke="#eee"/>`);
  }
  return `<h3>FID against wall time per image</h3>
<svg class="frontier-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="FID with 95 % intervals against wall time per image">
${yTicks.join('')}
<line x1="${plot.x}" y1="${plot.y}" x2="${plot.x}" y2="${plot.y + plot.h}" stroke="#888"/><line x1="${plot.x}" y1="${plot.y + plot.h}" x2="${plot.x + plot.w}" y2="${plot.y + plot.h}" stroke="#888"/>
${xTicks}${lines}${labelSvg}${legend}
<text x="${plot.x + plot.w / 2}" y="${height - 28}" font-size="11" text-anchor="middle">wall time per image, s (log scale) — lower left is better</text>
<text x="${plot.x + plot.w / 2}" y="${height - 12}" font-size="10" text-anchor="middle" fill="#666">bars: 95 % bootstrap interval of FID; S = inference steps</text>
<text x="14" y="${plot.y + plot.h / 2}" font-size="11" transform="rotate(-90 14 ${plot.y + plot.h / 2})" text-anchor="middle">FID</text>
</svg>`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}
