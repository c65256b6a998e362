import type { BenchResult, ConfigurationResult } from './bench-result.js';
import { fixed } from './format.js';

export interface ConfigurationComparison {
  readonly name: string;
  /** new mean / old mean: > 1 is slower. */
  readonly speedRatio: number;
  /** The difference of the means is beyond both runs' 95 % margins of error added together. */
  readonly speed: 'faster' | 'slower' | 'within noise' | 'noise unknown';
  readonly ssimDelta: number | null;
  readonly quality: 'worse' | 'better' | 'within noise' | 'not comparable' | 'stochastic' | 'reference' | 'unmeasured';
}

export interface Comparison {
  /** Plain statements of what differs between the two runs' set-ups. */
  readonly differences: readonly string[];
  readonly onlyOld: readonly string[];
  readonly onlyNew: readonly string[];
  readonly rows: readonly ConfigurationComparison[];
  readonly regressions: number;
}

/**
 * Compares two bench results configuration by configuration. A speed change counts only when the means differ
 * by more than the sum of the two 95 % margins of error (tinybench's moe); with a single run there is no margin
 * and nothing is flagged. A quality change counts when the mean SSIM moves by more than twice the combined
 * standard error over the batch, and only when model, batch and seed match (else the images are not comparable).
 */
export function compareResults(old: BenchResult, next: BenchResult): Comparison {
  const differences: string[] = [];
  const o = old.settings;
  const n = next.settings;
  if (o.modelSha256 !== n.modelSha256) differences.push(`the model differs (${o.modelSha256.slice(0, 12)}… vs ${n.modelSha256.slice(0, 12)}…): quality is not compared`);
  if (o.batch !== n.batch) differences.push(`batch ${o.batch} vs ${n.batch}: times per batch differ by design, quality is not compared`);
  if (o.seed !== n.seed) differences.push(`seed ${o.seed} vs ${n.seed}: quality is not compared`);
  if (o.reference !== n.reference) differences.push(`quality reference ${o.reference} vs ${n.reference}: quality is not compared`);
  if (o.seeding !== n.seeding) differences.push(`seeding ${o.seeding} vs ${n.seeding}: the runs start from different x_T, so quality is not compared`);
  if (o.executionProvider !== n.executionProvider) differences.push(`execution provider ${o.executionProvider} vs ${n.executionProvider}`);
  if (o.executionProvider === n.executionProvider && JSON.stringify(o.adapter) !== JSON.stringify(n.adapter)) {
    differences.push(`adapter ${o.adapter ? `${o.adapter.vendor} ${o.adapter.device}` : 'unknown'} vs ${n.adapter ? `${n.adapter.vendor} ${n.adapter.device}` : 'unknown'}`);
  }
  if (o.threads !== n.threads) differences.push(`threads ${o.threads ?? 'default'} vs ${n.threads ?? 'default'}`);
  const oe = old.environment;
  const ne = next.environment;
  if (oe.cpuModel !== ne.cpuModel || oe.logicalCores !== ne.logicalCores) differences.push(`machine: ${oe.cpuModel} ×${oe.logicalCores} vs ${ne.cpuModel} ×${ne.logicalCores}`);
  if (oe.onnxruntime !== ne.onnxruntime) differences.push(`onnxruntime-node ${oe.onnxruntime} vs ${ne.onnxruntime}`);
  if (oe.node !== ne.node) differences.push(`Node ${oe.node} vs ${ne.node}`);
  const qualityComparable = o.modelSha256 === n.modelSha256 && o.batch === n.batch && o.seed === n.seed && o.reference === n.reference && o.seeding === n.seeding;

  const oldByName = new Map(old.configurations.map((c) => [c.name, c]));
  const newByName = new Map(next.configurations.map((c) => [c.name, c]));
  const rows: ConfigurationComparison[] = [];
  for (const [name, b] of newByName) {
    const a = oldByName.get(name);
    if (a) rows.push(compareConfiguration(a, b, qualityComparable ? n.batch : undefined));
  }
  return {
    differences,
    onlyOld: [...oldByName.keys()].filter((k) => !newByName.has(k)),
    onlyNew: [...newByName.keys()].filter((k) => !oldByName.has(k)),
    rows,
    regressions: rows.filter((r) => r.speed === 'slower' || r.quality === 'worse').length,
  };
}

function compareConfiguration(a: ConfigurationResult, b: ConfigurationResult, comparableBatch: number | undefined): ConfigurationComparison {
  const speedRatio = b.wall.meanMs / a.wall.meanMs;
  const margin = a.wall.moeMs + b.wall.moeMs;
  const hasMargin = a.wall.samples > 1 && b.wall.samples > 1;
  const diff = b.wall.meanMs - a.wall.meanMs;
  const speed = !hasMargin ? 'noise unknown' : Math.abs(diff) <= margin ? 'within noise' : diff > 0 ? 'slower' : 'faster';
  let ssimDelta: number | null = null;
  let quality: ConfigurationComparison['quality'] = a.quality.kind === 'measured' ? 'not comparable' : a.quality.kind;
  if (comparableBatch !== undefined && a.quality.kind === 'measured' && b.quality.kind === 'measured') {
    ssimDelta = b.quality.ssimMean - a.quality.ssimMean;
    // Standard error of the difference of the two batch means.
    const se = Math.sqrt((a.quality.ssimSd ** 2 + b.quality.ssimSd ** 2) / comparableBatch);
    quality = ssimDelta === 0 || Math.abs(ssimDelta) <= 2 * se ? 'within noise' : ssimDelta < 0 ? 'worse' : 'better';
  }
  return { name: a.name, speedRatio, speed, ssimDelta, quality };
}

export function renderComparison(c: Comparison, oldLabel: string, newLabel: string): string {
  const lines = [`Comparing ${oldLabel} (old) with ${newLabel} (new)`];
  for (const d of c.differences) lines.push(`  note: ${d}`);
  if (c.onlyOld.length > 0) lines.push(`  only in old: ${c.onlyOld.join(', ')}`);
  if (c.onlyNew.length > 0) lines.push(`  only in new: ${c.onlyNew.join(', ')}`);
  lines.push('', '| configuration | new/old wall time | speed | ΔSSIM | quality |', '| --- | ---: | --- | ---: | --- |');
  for (const r of c.rows) {
    const flag = r.speed === 'slower' || r.quality === 'worse' ? ' ⚠' : '';
    lines.push(`| ${r.name}${flag} | ${fixed(r.speedRatio, 3)}× | ${r.speed} | ${r.ssimDelta === null ? '—' : fixed(r.ssimDelta, 4)} | ${r.quality} |`);
  }
  lines.push('', c.regressions === 0 ? 'No regression beyond the measured noise.' : `${c.regressions} configuration(s) regressed beyond the measured noise.`);
  return `${lines.join('\n')}\n`;
}
