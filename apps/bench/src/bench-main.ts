import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { finiteNumber, integerOption, MAX_THREADS, threadCount } from '@denoise/cli-options';
import { writeFileAtomic, type FidProtocol } from '@denoise/image';
import { embeddedClassifierPath, embeddedModelPath, versionLine } from '@denoise/repo-layout';
import {
  EXECUTION_PROVIDER_CHOICES,
  listExecutionProviders,
  parseClassLabelList,
  type ExecutionProvider,
  type ExecutionProviderChoice,
} from '@denoise/runtime';
import { isUnusableInput, parseArguments, timedLog } from './command-support.js';
import { compareResults, renderComparison } from './compare.js';
import { runCrossProviders } from './cross-provider.js';
import { featuresCommand, fidCommand } from './fid/fid-commands.js';
import { featuresOption, protocolOption } from './fid/fid-options.js';
import { renderHtml, type ReportRun } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { loadRun, saveRun } from './results-store.js';
import { loadReferenceStatistics } from './reference-stats.js';
import { loadSweep, mergeSweep } from './merge-sweep.js';
import { outputFolderProblem } from './output-folder.js';
import { BenchInputError } from './bench-input-error.js';
import { readPromptsFile } from './prompt-set.js';
import { LCM_DEFAULTS, runBench, runBenchShard, type BenchSettings } from './run-bench.js';
import { parseShard, SHARD_GRAMMAR, type Shard } from './sweep-plan.js';
import { parseSamplerSpec, parseSamplerSpecs, SAMPLER_SPEC_GRAMMAR } from './sampler-spec.js';
import { runTorchBaseline } from './torch-baseline.js';

const DEFAULT_SAMPLERS = 'ddpm-1000,ddim-10,ddim-20,ddim-50,ddim-100,dpm-solver-10,dpm-solver-20,unipc-10,euler-25,euler-a-25,heun-10,pndm-50';
const QUICK_SAMPLERS = 'ddim-10,ddim-20,ddim-10-eta0.5,ddpm-20,dpm-solver-10,heun-5';
/** The DDIM paper's Table 1 grid: S ∈ {10, 20, 50, 100} × η ∈ {0, 0.2, 0.5, 1}, and DDPM-1000. */
const FID_SAMPLERS = [
  'ddpm-1000',
  ...[0, 0.2, 0.5, 1].flatMap((eta) => [10, 20, 50, 100].map((steps) => `ddim-${steps}${eta === 0 ? '' : `-eta${eta}`}`)),
].join(',');

const classLabels = (value: string): number[] => {
  try {
    return parseClassLabelList(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
/** `--ep`: one provider, or a comma list whose first is the primary (timed) one; 'auto' only on its own. */
const executionProviderList = (value: string): ExecutionProviderChoice[] => {
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(EXECUTION_PROVIDER_CHOICES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown execution provider '${name}'; allowed: ${EXECUTION_PROVIDER_CHOICES.join(', ')}`);
    }
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`execution provider '${twice}' is listed twice`);
  if (names.length > 1 && names.includes('auto')) throw new InvalidArgumentError("'auto' stands alone; name the providers of a list (e.g. cpu,webgpu)");
  return names as ExecutionProviderChoice[];
};

/** Every named provider must be able to start a session here: the first one that cannot, and why, else undefined. */
async function unusableProvider(providers: readonly ExecutionProviderChoice[]): Promise<string | undefined> {
  const named = providers.filter((p): p is ExecutionProvider => p !== 'auto' && p !== 'cpu');
  if (named.length === 0) return undefined;
  const statuses = await listExecutionProviders();
  const usable = statuses.filter((s) => s.usable).map((s) => s.name);
  for (const provider of named) {
    const status = statuses.find((s) => s.name === provider);
    if (!status?.usable) return `--ep: execution provider '${provider}' is not usable here (${status?.reason ?? 'unknown'}); usable: ${usable.join(', ')}`;
  }
  return undefined;
}

/** --fid-samples: 20 × the 50,000 images papers report FID on; more would only be planned in memory for hours of sampling. */
const MAX_FID_SAMPLES = 1_000_000;
const timedRuns = integerOption(1, "'auto' or an integer ≥ 1 (timed runs per configuration)");
/** `--iterations`: 'auto' or a count ≥ 1; checked while parsing, so that commander names the option and the value. */
const iterationsValue = (value: string): number | 'auto' => (value.trim() === 'auto' ? 'auto' : timedRuns(value));

const shardOption = (value: string): Shard => {
  try {
    return parseShard(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--shard: /, ''));
  }
};

/** Bootstrap resamples behind every interval (FID/KID, speed ratios, overhead). */
const DEFAULT_BOOTSTRAP = 200;
const bootstrapOption = () =>
  new Option('--bootstrap <n>', 'bootstrap resamples for the 95 % intervals of FID/KID, speed ratios and overhead').argParser(integerOption(20, 'an integer ≥ 20')).default(DEFAULT_BOOTSTRAP);

/**
 * The options exactly as commander produces them from buildProgram (camelCase keys; optional where the option has
 * no default); settingsFrom resolves the defaults that depend on other options (--quick, --quality).
 */
interface RawBenchOptions {
  readonly model: string;
  readonly classLabel?: number[];
  readonly prompts?: string;
  readonly negativePrompt?: string;
  readonly guidanceScale?: number;
  readonly height?: number;
  readonly width?: number;
  readonly variant?: string;
  readonly verifyCache: boolean;
  readonly ep: ExecutionProviderChoice[];
  readonly batch?: number;
  readonly threads?: number;
  readonly seed: number;
  readonly samplers?: string;
  readonly reference?: string;
  readonly iterations: number | 'auto';
  readonly quick: boolean;
  readonly out: string;
  readonly json: boolean;
  readonly compare?: string;
  readonly quality?: 'fid';
  readonly fidSamples: number;
  readonly classifier: string;
  readonly features?: { kind: 'inception' | 'onnx'; file: string };
  readonly fidProtocol: FidProtocol;
  readonly fidReference?: string;
  readonly baseline?: 'torch';
  readonly shard?: Shard;
  readonly bootstrap: number;
}

function buildProgram(command: string): Command {
  return new Command(command)
    .description(
      'The quality-speed table: each sampler configuration runs the same x_T through denoise\'s sampling loop,\n' +
        'timed with tinybench, and is compared image by image with the reference (DDIM-1000 by default).\n' +
        'A Stable Diffusion pipeline runs text-to-image: image i takes prompt i mod P (--prompts) and the same latents in every\n' +
        'configuration; each batch is timed part by part (text encoding, UNet calls, loop, VAE decoding).\n' +
        'Writes <out>/history/<run>/{result.json,table.md,grids/} and <out>/report/index.html; prints the table.',
    )
    .addOption(
      new Option(
        '--model <dir|file>',
        'diffusers UNet2DModel or Stable Diffusion pipeline folder, folder with model.onnx, .onnx file, hf:OWNER/NAME, or synthetic:ARCH (e.g. synthetic:ddpm-celebahq-256, synthetic:stable-diffusion-v1-5: a published architecture with seeded random weights)',
      ).default(embeddedModelPath(), 'the embedded Fashion-MNIST UNet'),
    )
    .addOption(new Option('--class-label <n[,n…]>', 'class label of a class-conditional model: one for every image, or one per image').argParser(classLabels))
    .option('--prompts <file>', "text-to-image pipelines: one prompt per line (blank lines and lines starting with '#' skipped); image i takes prompt i mod P (default: 4 built-in prompts)")
    .option('--negative-prompt <text>', "text-to-image pipelines: the negative prompt of every image, under guidance (default: none, the empty prompt)")
    .addOption(new Option('--guidance-scale <w>', `text-to-image pipelines: classifier-free guidance scale; guidance runs (the UNet at 2 × batch) when it is > 1; a latent consistency model takes it as an embedding (default: the pipeline's: 7.5 for Stable Diffusion, 5 for SDXL, 8.5 for LCM)`).argParser(finiteNumber))
    .addOption(new Option('--height <px>', "image height: a pipeline's images (default: its UNet's sample_size × the VAE factor), or a model whose size is not fixed").argParser(integerOption(1)))
    .addOption(new Option('--width <px>', "image width: a pipeline's images (default: its UNet's sample_size × the VAE factor), or a model whose size is not fixed").argParser(integerOption(1)))
    .option('--variant <name>', 'diffusers weights variant, e.g. fp16')
    .option('--verify-cache', "hf: models: re-hash every cached file the model uses against the hub's sha256 / git blob id before trusting it (a mismatch is fetched again; offline it is an error)", false)
    .addOption(
      new Option(
        '--ep <provider[,provider…]>',
        `onnxruntime execution provider (${EXECUTION_PROVIDER_CHOICES.join(', ')}); a list such as cpu,webgpu times the sweep on the first and runs every configuration once on each further one, compared image by image with the first`,
      )
        .argParser(executionProviderList)
        .default(['cpu'], 'cpu'),
    )
    .addOption(new Option('--batch <n>', 'images per batch').argParser(integerOption(1)))
    .addOption(new Option('--threads <n>', `onnxruntime intra-op threads, at most ${MAX_THREADS} (4 per core) (default: one per core)`).argParser(threadCount))
    .addOption(new Option('--seed <n>', 'seed of x_T (torch.manual_seed compatible) and of the step noise').argParser(integerOption(0)).default(0))
    .option('--samplers <list>', `comma-separated configurations; grammar: ${SAMPLER_SPEC_GRAMMAR} (default: ${DEFAULT_SAMPLERS}; for an LCMScheduler folder ${LCM_DEFAULTS.samplers}, reference ${LCM_DEFAULTS.reference})`)
    .option('--reference <config>', "the configuration others are compared with, from the same x_T, or 'none' (for models too slow for it) (default: ddim-1000; ddim-100 with --quick)")
    .addOption(new Option('--iterations <n|auto>', 'timed runs per configuration; auto fits as many as take ~20 s (at least 1)').argParser(iterationsValue).default('auto'))
    .option('-V, --version', "print denoise's version and the commit it was built from, and exit")
    .option('--quick', `smoke run: batch 2, ${QUICK_SAMPLERS}, reference ddim-100, 2 runs each`, false)
    .option('--out <dir>', 'where history/ and report/ go', 'benchmarks')
    .option('--json', 'print the JSON result on stdout instead of the Markdown table', false)
    .option('--compare <result.json>', `compare the run just made with an earlier result (to compare two saved results without running: ${command} compare OLD.json NEW.json)`)
    .addOption(
      new Option(
        '--quality <metric>',
        `also measure distribution quality: fid = FID and KID of --fid-samples images per configuration (default samplers: ${FID_SAMPLERS}), in the feature space of --features against --fid-reference; for the embedded model without --features, in its Fashion-MNIST classifier's against the real test set; long on CPU, resumable`,
      ).choices(['fid']),
    )
    .addOption(new Option('--fid-samples <n>', `images per configuration for --quality fid, at most ${MAX_FID_SAMPLES.toLocaleString('en-US')}`).argParser(integerOption(1, undefined, MAX_FID_SAMPLES)).default(500))
    .addOption(featuresOption())
    .addOption(protocolOption())
    .option('--fid-reference <file.npz|dir>', 'what --quality fid scores against, with --features: a statistics file (pytorch-fid / clean-fid .npz with mu and sigma, or feats) or a folder of PNG images (featurised once, cached by content)')
    .option('--classifier <dir>', "the embedded model's FID classifier folder (model.onnx + reference-stats.json), used without --features", embeddedClassifierPath())
    .addOption(new Option('--baseline <framework>', 'also run tools/denoise_tools/torch_baseline (PyTorch) on the same configurations and x_T').choices(['torch']))
    .addOption(
      new Option(
        '--shard <K/N>',
        `run only shard K of N of the sweep (${SHARD_GRAMMAR}) into <out>/shard-K-of-N/ (resuming finished units), then merge the shards with: ${command} merge <out>; needs --iterations N or --quality fid`,
      ).argParser(shardOption),
    )
    .addOption(bootstrapOption())
    .addHelpText(
      'after',
      '\nSeeds: image i of every configuration starts from its own generator, seeded imageSeed(--seed, i) (README: Seeds),\n' +
        '  so it is the same whatever the batch, the shard or the order of work; pnpm sample --per-image-seeds --first-image i\n' +
        '  regenerates it. Configurations are timed in interleaved rounds (the batches of each spread over the run).\n' +
        'Stable Diffusion: name the configurations, the reference and the batch (the defaults are sized for the embedded\n' +
        '  model), e.g. --model synthetic:stable-diffusion-v1-5 --samplers dpm-solver-20,ddim-20 --reference ddim-50 --batch 1\n' +
        '  --height 256 --width 256. --class-label does not apply to a pipeline, nor --quality fid without --features; --prompts, --negative-prompt\n' +
        '  and --guidance-scale apply only to one.\n' +
        'Standard FID: --quality fid --features inception:FILE --fid-reference stats.npz|DIR [--fid-protocol clean] scores the\n' +
        "  generated images as the FID tools would read them from PNG (pytorch-fid's Inception-v3 from its own weights file).\n" +
        `Subcommands: ${command} merge DIR… (shards into one result), ${command} compare OLD NEW (two saved results),\n` +
        `  ${command} features (FID features of images to .npy/.npz), ${command} fid A B (FID/KID of two sets); each has --help.\n` +
        'Exit codes: 0 ok, 1 failure or a regression flagged by --compare, 2 bad usage or unusable input.\n',
    )
    .exitOverride();
}

async function settingsFrom(program: Command): Promise<BenchSettings> {
  const o = program.opts<RawBenchOptions>();
  const quick = o.quick;
  const iterations = quick && program.getOptionValueSource('iterations') !== 'cli' ? 2 : o.iterations;
  const batch = o.batch ?? (quick ? 2 : 16);
  const [executionProvider, ...crossProviders] = o.ep;
  const fid = o.quality === 'fid' ? fidSettings(o) : undefined;
  return {
    model: o.model,
    executionProvider: executionProvider!,
    // 'auto' stands alone (executionProviderList), so a list's further providers are all named ones.
    ...(crossProviders.length > 0 ? { crossProviders: crossProviders.filter((p): p is ExecutionProvider => p !== 'auto') } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.classLabel !== undefined ? { classLabels: o.classLabel } : {}),
    ...(o.prompts !== undefined ? { prompts: await readPromptsFile(o.prompts) } : {}),
    ...(o.negativePrompt !== undefined ? { negativePrompt: o.negativePrompt } : {}),
    ...(o.guidanceScale !== undefined ? { guidanceScale: o.guidanceScale } : {}),
    ...(o.height !== undefined ? { height: o.height } : {}),
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.variant !== undefined ? { variant: o.variant } : {}),
    ...(o.verifyCache ? { verifyCache: true } : {}),
    batch,
    seed: o.seed,
    samplers: parseSamplerSpecs(o.samplers ?? (quick ? QUICK_SAMPLERS : fid ? FID_SAMPLERS : DEFAULT_SAMPLERS)),
    samplersDefaulted: o.samplers === undefined && !quick && !fid,
    referenceDefaulted: o.reference === undefined && !quick,
    reference: o.reference === 'none' ? undefined : parseSamplerSpec(o.reference ?? (quick ? 'ddim-100' : 'ddim-1000')),
    iterations,
    autoBudgetMs: 20_000,
    quick,
    ...(fid ? { fid } : {}),
    bootstrap: { resamples: o.bootstrap, seed: 0 },
    bareCalls: quick ? 5 : 20,
  };
}

/**
 * `--quality fid`'s feature space and reference: --features with --fid-reference; without --features, the embedded
 * classifier for the embedded model, and no FID for any other (its features would say nothing about it: settingsFrom's
 * caller says how to get FID).
 */
function fidSettings(o: RawBenchOptions): NonNullable<BenchSettings['fid']> | undefined {
  const common = { samples: o.fidSamples, workRoot: join(o.out, 'sweeps') };
  if (o.features) {
    if (o.fidReference === undefined) throw new BenchInputError(`--features ${o.features.kind}:${o.features.file}: --quality fid needs --fid-reference (a statistics .npz, or a folder of reference images)`);
    const reference = { kind: o.fidReference.toLowerCase().endsWith('.npz') ? 'statistics' : 'images', path: o.fidReference } as const;
    return { ...common, space: { ...o.features, protocol: o.fidProtocol }, reference };
  }
  if (o.fidReference !== undefined) throw new BenchInputError('--fid-reference needs --features (inception:FILE or onnx:FILE): the embedded classifier is scored against its own reference statistics');
  if (!isEmbeddedModel(o.model)) return undefined;
  return { ...common, space: { kind: 'classifier', file: join(o.classifier, 'model.onnx') }, reference: { kind: 'classifier-stats', path: join(o.classifier, 'reference-stats.json') } };
}

const isEmbeddedModel = (model: string): boolean => resolve(model) === resolve(embeddedModelPath());

/** What a run without FID says when --quality fid was asked of a model that is not the embedded one. */
const NO_FID_NOTE =
  "--quality fid: no FID for this model without a standard feature extractor; the embedded Fashion-MNIST classifier's features say nothing about it. " +
  "Pass --features inception:FILE (pytorch-fid's pt_inception-2015-12-05-6726825d.pth, e.g. from ~/.cache/torch/hub/checkpoints/) and --fid-reference (stats .npz or an image folder)";

/** `pnpm bench merge DIR… [--out DIR]`: shard folders of one sweep into one result, table and report. */
async function mergeCommand(argv: readonly string[], command: string): Promise<number> {
  const program = new Command(`${command} merge`)
    .description(
      `Merge the shard folders of one sweep (${command} --shard K/N) into one result: checks that they are one sweep (model, settings,\n` +
        'code) with every unit present once; timings from every batch, FID/KID from the merged features (never averaged across shards),\n' +
        'against the reference each shard folder carries (fid-reference.npz).\n' +
        'Writes <out>/history/<run>/{result.json,table.md,grids/} and <out>/report/index.html, like a bench run.',
    )
    .argument('<dir...>', 'shard folders (shard-K-of-N/), or folders holding them')
    .option('--out <dir>', 'where history/ and report/ go', 'benchmarks')
    .option('--json', 'print the JSON result on stdout instead of the Markdown table', false)
    .addOption(bootstrapOption())
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 bad usage or shard folders that do not make one whole sweep.\n')
    .exitOverride()
    .showSuggestionAfterError();
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const o = program.opts<{ out: string; json: boolean; bootstrap: number }>();
  if (refusesOutputFolder(`${command} merge`, o.out)) return 2;
  const log = timedLog();
  try {
    const sweep = await loadSweep(program.args);
    const merged = await mergeSweep(sweep, { bootstrap: { resamples: o.bootstrap, seed: 0 }, log, date: new Date() });
    const saved = await saveRun(o.out, merged);
    const report = await writeReport(o.out, [{ label: 'merged sweep', result: merged.result, grids: merged.grids }]);
    process.stdout.write(o.json ? `${JSON.stringify(merged.result, null, 2)}\n` : renderMarkdown(merged.result));
    process.stderr.write(`\nresult: ${saved}\nreport: ${report}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${command} merge: ${(error as Error).message}\n`);
    return isUnusableInput(error) ? 2 : 1;
  }
}

/** `pnpm bench compare OLD.json NEW.json [--out DIR]`: two saved results side by side; nothing runs. */
async function compareCommand(argv: readonly string[], command: string): Promise<number> {
  const program = new Command(`${command} compare`)
    .description('Compare two saved bench results (result.json): speed within the measured noise, quality, settings; writes the side-by-side HTML report.')
    .argument('<old>', 'the earlier result.json')
    .argument('<new>', 'the later result.json')
    .option('--out <dir>', 'where the report goes (report/index.html)', 'benchmarks')
    .addHelpText('after', '\nExit codes: 0 no regression, 1 a regression beyond the measured noise, 2 bad usage or an unreadable result.\n')
    .exitOverride()
    .showSuggestionAfterError();
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const [oldPath, newPath] = program.args as [string, string];
  const out = program.opts<{ out: string }>().out;
  if (refusesOutputFolder(`${command} compare`, out)) return 2;
  try {
    return await compareOnly(oldPath, newPath, out);
  } catch (error) {
    process.stderr.write(`${command} compare: ${(error as Error).message}\n`);
    return 2;
  }
}

/**
 * `pnpm bench ARGS` (and its merge and compare subcommands): runs the command and returns its exit code. `command` is
 * how the user typed it (`denoise bench` through the denoise package), for the help and the messages.
 */
export async function benchMain(argv: readonly string[], command = 'pnpm bench'): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  if (args[0] === 'compare') return compareCommand(args.slice(1), command);
  if (args[0] === 'merge') return mergeCommand(args.slice(1), command);
  if (args[0] === 'features') return featuresCommand(args.slice(1), command, timedLog());
  if (args[0] === 'fid') return fidCommand(args.slice(1), command, timedLog());
  const at = args.indexOf('--compare');
  if (at >= 0 && args[at + 2] !== undefined && !args[at + 2]!.startsWith('-')) {
    process.stderr.write(`${command}: --compare takes one result (compared with the run just made); to compare two saved results: ${command} compare OLD.json NEW.json\n`);
    return 2;
  }
  const program = buildProgram(command);
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    // Commander has already printed what was wrong (or the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  if (program.opts<{ version?: boolean }>().version) {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  let settings: BenchSettings;
  try {
    settings = await settingsFrom(program);
  } catch (error) {
    // Nothing has printed these yet (InvalidArgumentError is a CommanderError, but thrown here, not by commander).
    process.stderr.write(`${command}: ${(error as Error).message}\n`);
    return 2;
  }
  const o = program.opts<RawBenchOptions>();
  const out = o.out;
  if (refusesOutputFolder(command, out)) return 2;
  const compareFile = o.compare;
  // Every input file is read or checked before any work: an unreadable --compare or --classifier used to fail only
  // after the whole sweep.
  let old: ReportRun | undefined;
  try {
    if (compareFile !== undefined) old = await loadRun(compareFile);
    if (settings.fid?.space.kind === 'classifier') {
      if (!existsSync(settings.fid.space.file)) throw new BenchInputError(`--classifier ${o.classifier}: no model.onnx there`);
      await loadReferenceStatistics(settings.fid.reference.path);
    } else if (settings.fid) {
      if (!existsSync(settings.fid.space.file)) throw new BenchInputError(`--features ${settings.fid.space.kind}:${settings.fid.space.file}: no such file`);
      if (!existsSync(settings.fid.reference.path)) throw new BenchInputError(`--fid-reference ${settings.fid.reference.path}: no such file or folder`);
    }
    if (o.quality === 'fid' && !settings.fid) process.stderr.write(`${command}: ${NO_FID_NOTE}\n`);
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message}\n`);
    return 2;
  }
  const unusable = await unusableProvider(o.ep);
  if (unusable !== undefined) {
    process.stderr.write(`${command}: ${unusable}\n`);
    return 2;
  }

  const log = timedLog();
  if (o.shard) {
    const refused = [o.baseline && '--baseline', o.compare && '--compare', settings.crossProviders && '--ep with more than one provider', o.json && '--json'].filter(Boolean);
    if (refused.length > 0) {
      process.stderr.write(`${command}: --shard writes a partial result; ${refused.join(', ')} belong to the merged one (${command} merge)\n`);
      return 2;
    }
    try {
      const done = await runBenchShard(settings, o.shard, out, log);
      process.stderr.write(`\nshard ${o.shard.index}/${o.shard.count} of sweep ${done.sweepId}: ${done.ran} unit(s) run, ${done.resumed} already done, in ${done.dir}\n`);
      process.stderr.write(`when every shard is done: ${command} merge ${out}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`${command}: ${(error as Error).message}\n`);
      return isUnusableInput(error) ? 2 : 1;
    }
  }
  try {
    const measured = await runBench(settings, log);
    let result = measured.result;
    if (o.baseline === 'torch') result = { ...result, torchBaseline: await runTorchBaseline(settings, measured, log) };
    if (settings.crossProviders) result = { ...result, crossProvider: await runCrossProviders(settings, measured, settings.crossProviders, log) };
    const run = { ...measured, result };
    const saved = await saveRun(out, run);
    const current: ReportRun = { label: 'this run', result: run.result, grids: run.grids };
    const runs: ReportRun[] = [];
    let regressions = 0;
    if (compareFile !== undefined && old !== undefined) {
      const comparison = compareResults(old.result, run.result);
      process.stderr.write(`\n${renderComparison(comparison, compareFile, saved)}`);
      regressions = comparison.regressions;
      runs.push({ ...old, label: `old: ${old.label}` });
    }
    runs.push(current);
    const report = await writeReport(out, runs);
    process.stdout.write(o.json ? `${JSON.stringify(run.result, null, 2)}\n` : renderMarkdown(run.result));
    process.stderr.write(`\nresult: ${saved}\nreport: ${report}\n`);
    return regressions > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`${command}: ${(error as Error).message}\n`);
    return isUnusableInput(error) ? 2 : 1;
  }
}

/** Writes why --out cannot take the results, if it cannot (outputFolderProblem), and says so. */
function refusesOutputFolder(command: string, out: string): boolean {
  const problem = outputFolderProblem(out);
  if (problem !== undefined) process.stderr.write(`${command}: ${problem}\n`);
  return problem !== undefined;
}

async function compareOnly(oldPath: string, newPath: string, out: string): Promise<number> {
  const [old, next] = [await loadRun(oldPath), await loadRun(newPath)];
  const comparison = compareResults(old.result, next.result);
  process.stdout.write(renderComparison(comparison, oldPath, newPath));
  const report = await writeReport(out, [{ ...old, label: `old: ${old.label}` }, { ...next, label: `new: ${next.label}` }]);
  process.stderr.write(`report: ${report}\n`);
  return comparison.regressions > 0 ? 1 : 0;
}

async function writeReport(out: string, runs: readonly ReportRun[]): Promise<string> {
  const report = join(out, 'report', 'index.html');
  await mkdir(dirname(report), { recursive: true });
  await writeFileAtomic(report, renderHtml(runs));
  return report;
}
