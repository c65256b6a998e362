import type { BenchResult, ConfigurationResult } from './bench-result.js';
import { CROSS_PROVIDER_HEADER, crossProviderNote, crossProviderRow, describeFidSettings, fixed, providerLabel, resultTable, withInterval } from './format.js';

export function renderMarkdown(result: BenchResult): string {
  const { environment: env, settings } = result;
  const table = resultTable(result);
  const lines = [
    `# denoise bench — ${env.date}`,
    '',
    `Model \`${settings.model}\` (sha256 ${settings.modelSha256.slice(0, 12)}…), batch ${settings.batch}, seed ${settings.seed} ` +
      `(${settings.seeding === 'per-image' ? 'torch generator per image: image i seeded imageSeed(seed, i)' : 'one torch generator per batch'}), execution provider ${providerLabel(settings.executionProvider, settings.adapter)}, threads ${settings.threads ?? 'default'}` +
      `${settings.quick ? ', quick mode' : ''}.`,
    `${env.cpuModel}, ${env.logicalCores} logical cores, ${env.memoryGiB} GiB, ${env.os}; Node ${env.node}, ` +
      `onnxruntime-node ${env.onnxruntime}, denoise ${env.denoise} @ ${env.gitCommit.slice(0, 10)}${env.gitDirty ? ' (dirty)' : ''}.`,
    '',
    ...renderTextToImage(result),
    `| ${table.header.join(' | ')} |`,
    `| ${table.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...speedNotes(result),
    ...renderCallKinds(result),
    (settings.reference === 'none'
      ? 'Quality: not compared (--reference none). '
      : `Quality: SSIM/PSNR (8-bit, per image, mean ± sd over the batch) against ${settings.reference} from the same x_T${settings.textToImage ? ' and prompt' : ''}. `) +
      'DDPM and DDIM with η > 0 draw fresh noise every step, so per-image similarity does not apply to them. ' +
      (settings.fid
        ? describeFidSettings(settings.fid)
        : 'FID/KID need `--quality fid` (not part of this run; for a model other than the embedded one, with --features inception:FILE and --fid-reference): the columns stay empty rather than invented.'),
    '',
    ...renderDistribution(result),
    ...renderTorchBaseline(result),
    ...renderCrossProvider(result),
  ];
  return lines.join('\n');
}

/**
 * The model time per call of each kind, for the configurations that call more than the plain float32 model (DeepCache's
 * full and shallow calls, int8), with the shallow call as a share of its full one: what their speed is made of.
 */
function renderCallKinds(result: BenchResult): string[] {
  const lines = result.configurations.flatMap((c) => {
    const kinds = Object.entries(c.msPerCallByKind ?? {});
    if (kinds.length === 0 || (kinds.length === 1 && kinds[0]![0] === 'float32')) return [];
    const full = kinds.find(([kind]) => kind.endsWith(' full'))?.[1];
    const parts = kinds.map(([kind, ms]) => `${kind} ${fixed(ms, 2)} ms${kind.endsWith(' shallow') && full !== undefined ? ` (${fixed((100 * ms) / full, 1)} % of a full call)` : ''}`);
    return [`- ${c.name}: ${parts.join('; ')}`];
  });
  if (lines.length === 0) return [];
  const plain = result.configurations.find((c) => c.msPerCallByKind && Object.keys(c.msPerCallByKind).join() === 'float32');
  const reference = plain ? ` (plain float32 calls: ${fixed(plain.msPerCallByKind!['float32']!, 2)} ms in ${plain.name})` : '';
  return [`Model time per call by kind${reference}:`, '', ...lines, ''];
}

/** How a text-to-image run was conditioned, and what the split column means; nothing for other models. */
function renderTextToImage(result: BenchResult): string[] {
  const t = result.settings.textToImage;
  if (!t) return [];
  const size = result.settings.imageSize;
  const shown = 8;
  const guidance = t.guidance ?? (t.guidanceScale > 1 ? 'classifier-free' : 'none');
  const conditioning = {
    'classifier-free': `Negative prompt: ${t.negativePrompt === null ? 'none' : `"${t.negativePrompt}"`}. Guidance scale ${t.guidanceScale}: classifier-free guidance runs the UNet at batch ${2 * result.settings.batch} per call (the bare calls too).`,
    embedding: `Guidance scale ${t.guidanceScale}: a latent consistency model, which takes w = ${t.guidanceScale} − 1 as its guidance embedding; no classifier-free guidance, no negative prompt (the UNet runs at batch ${result.settings.batch}).`,
    none: `Guidance scale ${t.guidanceScale}: no guidance (the UNet runs at batch ${result.settings.batch}).`,
  }[guidance];
  return [
    `Text-to-image: ${t.pipeline}${size ? `, ${size.height}×${size.width} images` : ''}; ${t.prompts.length} prompt(s) (sha256 ${t.promptsSha256.slice(0, 12)}…): ` +
      `image i of every configuration takes prompt i mod ${t.prompts.length} and the latents of imageSeed(seed, i). ${conditioning}`,
    '',
    ...t.prompts.slice(0, shown).map((p, i) => `${i}. ${p}`),
    ...(t.prompts.length > shown ? [`… and ${t.prompts.length - shown} more.`] : []),
    '',
    '*text · UNet · loop · VAE* splits each batch: text encoding (the prompts, and the negative prompts under guidance), the UNet calls, ' +
      "the loop's own work, VAE decoding (ms per batch, means over the batches); *model ms/call* is the UNet's. *harness overhead* is the share " +
      'of the wall time outside all three networks; *wall / bare ceiling* counts the UNet calls only, so text encoding and decoding sit above it.',
    '',
  ];
}

function speedNotes(result: BenchResult): string[] {
  const { settings } = result;
  const baseline = result.configurations.find((c) => c.speedup)?.speedup?.baseline;
  if (settings.seeding === 'batch') {
    return [`Bare \`session.run\` on the same inputs: ${fixed(result.bareCall.meanMs, 2)} ms per call (a schema-2 result: configurations timed one after another, without intervals).`];
  }
  return [
    `Timing: ${settings.shards !== undefined && settings.shards > 1 ? `${settings.shards} shards on ${settings.hosts?.length ?? 1} host(s); ` : ''}` +
      'the configurations were timed in interleaved rounds (each one\'s batches spread evenly over the run), so slow drift of the host moves them together. ' +
      `*Speed vs baseline* is how many times faster than ${baseline ?? 'the baseline'} a configuration runs, from time-matched costs: the time ` +
      'of a model call depends on the network called, not on the sampler, so it is pooled per kind of call (the plain model; DeepCache\'s full and ' +
      'shallow calls, per branch; float32 or int8; never across kinds) over every batch of the run that makes such calls, and each configuration ' +
      'keeps its own time outside the model (Σ over kinds of its calls × pooled ms per call + own overhead); the raw ratio of ' +
      'wall-time means, which host drift between the moments two configurations ran also moves, is `wallSpeedup` in result.json. ' +
      '*harness overhead* is the share of each batch\'s wall time spent outside the model (x_T, scheduler steps, checks), from that batch\'s own timings; ' +
      `*wall / bare ceiling* is the wall time over model calls × a bare \`session.run\` of the plain model (${fixed(result.bareCall.meanMs, 2)} ms per call, ` +
      `${result.bareCall.samples} blocks timed at the start of the rounds; none for a +deepcache or +int8 configuration, which calls other networks). Intervals are 95 % percentile-bootstrap intervals ` +
      `(${settings.bootstrap?.resamples ?? '?'} resamples) over the batches and bare blocks; a configuration with one batch has no spread of its own.`,
  ];
}

function renderFidComparisons(result: BenchResult): string[] {
  const comparisons = result.fidComparisons;
  if (!comparisons || comparisons.length === 0) return [];
  return [
    '### Which FID differences are real',
    '',
    'Paired bootstrap: every resample draws one set of image indices for all configurations (image i starts from the same x_T in each), ' +
      'so FID(a) − FID(b) is compared on the same images. **significant** when the 95 % interval excludes 0.',
    '',
    '| a | b | FID(a) − FID(b) [95 % CI] | |',
    '| --- | --- | ---: | --- |',
    ...comparisons.map((c) => `| ${c.a} | ${c.b} | ${withInterval(c.difference, c, 2)} | ${c.low > 0 || c.high < 0 ? `**significant**: ${c.difference < 0 ? c.a : c.b} is better` : 'within noise'} |`),
    '',
  ];
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
  const kidCell = (d: NonNullable<ConfigurationResult['distribution']>) => (d.kid === null ? '—' : withInterval(d.kid, d.kidInterval, 4));
  return [
    '## Distribution quality and mode coverage',
    '',
    `| configuration | samples | FID [95 % CI] | KID [95 % CI] |${Array.from({ length: classes }, (_, k) => ` class ${k} |`).join('')}`,
    `| --- | ---: | ---: | ---: |${Array.from({ length: classes }, () => ' ---: |').join('')}`,
    ...rows.map((c) => {
      const d = c.distribution!;
      return `| ${c.name} | ${d.samples} | ${withInterval(d.fid, d.fidInterval, 2)} | ${kidCell(d)} |${d.classCounts.map((n) => ` ${n} |`).join('')}`;
    }),
    '',
    (classes > 0
      ? 'Classes are the classifier\'s predictions (argmax of its logits): 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, ' +
        '5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot for the Fashion-MNIST classifier. The real test set is close to uniform. '
      : '') +
      'FID/KID intervals: 95 % basic-bootstrap intervals over the generated images (the real set fixed; resampled FIDs run high, so their percentiles are reflected about the estimate).',
    '',
    ...renderFidComparisons(result),
  ];
}
