import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { threadCount } from '@denoise/cli-options';
import { serializeNpy, writeFileAtomic, type FidProtocol } from '@denoise/image';
import { frechetDistance, kernelInceptionDistance } from '@denoise/metrics';
import type { BenchLog } from '../bench-model.js';
import { exitCodeOf, parseArguments } from '../command-support.js';
import { BenchInputError } from '../bench-input-error.js';
import { describeFeatureSpace, openFeatureSpace, type FeatureSpace, type FeatureSpaceSpec } from './feature-space.js';
import { featuresOption, protocolOption } from './fid-options.js';
import { listImageFiles } from './image-inputs.js';
import { assertEnoughImages, featuresOfImageFiles } from './image-set-features.js';
import { readFeaturesFile, readStatisticsFile, statisticsOf, writeStatisticsFile, type FeatureSet, type GaussianStatistics } from './statistics-file.js';

interface ExtractorOptions {
  readonly features?: { kind: 'inception' | 'onnx'; file: string };
  readonly fidProtocol: FidProtocol;
  readonly threads?: number;
}

/** One side of `bench fid`: a statistics file, a features file, or images featurised here. */
interface FidSide {
  readonly path: string;
  readonly kind: 'statistics' | 'features' | 'images';
  readonly statistics: GaussianStatistics;
  readonly features?: FeatureSet;
  /** Images or feature vectors behind it (absent for a bare μ/Σ file). */
  readonly count?: number;
}

/** What both commands share: the protocol and thread options, the exit codes, commander's error handling. */
const withExtractorOptions = (program: Command): Command =>
  program
    .addOption(protocolOption())
    .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads (default: one per core)').argParser(threadCount))
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 bad usage or unusable input.\n')
    .exitOverride()
    .showSuggestionAfterError();

/** `pnpm bench features --features KIND:FILE [--fid-protocol P] --out FILE IMAGE…`. */
export async function featuresCommand(argv: readonly string[], command: string, log: BenchLog): Promise<number> {
  const program = new Command(`${command} features`)
    .description(
      'Features of images for FID/KID, as the FID tools compute them: PNG files or\n' +
        'folders of them (sorted by name), decoded to 8-bit RGB (grayscale repeated),\n' +
        'resized and normalised by --fid-protocol, through the --features extractor.\n' +
        'Writes --out: FILE.npy, float32 [N, D] in the order given; or FILE.npz, their\n' +
        'mu and sigma as pytorch-fid --save-stats writes them.',
    )
    .argument('<image...>', 'PNG files or folders of PNG files')
    .addOption(featuresOption().makeOptionMandatory())
    .requiredOption('--out <file>', 'where the features go: .npy (features) or .npz (mu, sigma)');
  const parsed = parseArguments(withExtractorOptions(program), argv);
  if (parsed !== undefined) return parsed;
  const o = program.opts<ExtractorOptions & { out: string }>();
  const kind = extname(o.out).toLowerCase();
  if (kind !== '.npy' && kind !== '.npz') {
    process.stderr.write(`${command} features: --out ${o.out}: name a .npy (features) or .npz (mu, sigma) file\n`);
    return 2;
  }
  return exitCodeOf(`${command} features`, async () => {
    const files = await listImageFiles(program.args);
    assertEnoughImages(files, program.args.join(' '));
    const space = await openSpace(o);
    try {
      log(`${files.length} image(s) through ${describeFeatureSpace(space.spec)}, sha256 ${space.sha256}`);
      const set = await featuresOfImageFiles(files, space, { log, cache: false });
      if (kind === '.npy') await writeFileAtomic(o.out, serializeNpy({ dtype: 'float32', shape: [set.count, set.dim], data: set.features }));
      else await writeStatisticsFile(o.out, statisticsOf(set));
      log(`wrote ${o.out}: ${kind === '.npy' ? `float32 [${set.count}, ${set.dim}]` : `mu [${set.dim}], sigma [${set.dim}, ${set.dim}] of ${set.count} images`}`);
    } finally {
      await space.dispose();
    }
  });
}

/** `pnpm bench fid A B [--kid] [--json]`. */
export async function fidCommand(argv: readonly string[], command: string, log: BenchLog): Promise<number> {
  const program = new Command(`${command} fid`)
    .description(
      'FID (and KID) between two sets. Each side is a statistics file (.npz with mu\n' +
        "and sigma as pytorch-fid and clean-fid write them, or clean-fid's feats), a\n" +
        'features file (.npy [N, D]), or a folder of PNG images featurised through\n' +
        '--features with --fid-protocol (cached by content: a folder is featurised once).\n' +
        'FID is the exact Fréchet distance in float64. KID is torch-fidelity\'s: 100\n' +
        'subsets of min(1000, N) drawn as its RandomState(2020) draws them, cubic\n' +
        'polynomial kernel; it needs features on both sides.',
    )
    .argument('<a>', '.npz statistics, .npy features, or an image folder')
    .argument('<b>', '.npz statistics, .npy features, or an image folder')
    .option('--kid', 'also compute KID (both sides need features: .npy, a folder, or an .npz with feats)', false)
    .option('--json', 'print the result as JSON', false)
    .addOption(featuresOption());
  const parsed = parseArguments(withExtractorOptions(program), argv);
  if (parsed !== undefined) return parsed;
  const o = program.opts<ExtractorOptions & { kid: boolean; json: boolean }>();
  return exitCodeOf(`${command} fid`, async () => {
    let space: FeatureSpace | undefined;
    const spaceFor = async (path: string): Promise<FeatureSpace> => {
      if (!o.features) throw new BenchInputError(`${path}: images need a feature extractor: pass --features inception:FILE (pytorch-fid's weights) or onnx:FILE`);
      space ??= await openSpace(o);
      return space;
    };
    try {
      const a = await resolveSide(program.args[0]!, spaceFor, log);
      const b = await resolveSide(program.args[1]!, spaceFor, log);
      if (a.statistics.dim !== b.statistics.dim) throw new BenchInputError(`${a.path} is ${a.statistics.dim}-d, ${b.path} is ${b.statistics.dim}-d: not one feature space`);
      const dim = a.statistics.dim;
      const fid = frechetDistance(a.statistics.mean, a.statistics.cov, b.statistics.mean, b.statistics.cov, dim);
      let kid;
      if (o.kid) {
        const missing = [a, b].find((s) => !s.features);
        if (missing) throw new BenchInputError(`--kid: ${missing.path} holds only mu and sigma; KID needs the features (.npy, an image folder, or an .npz with feats)`);
        kid = kernelInceptionDistance(a.features!.features, a.features!.count, b.features!.features, b.features!.count, dim);
      }
      const extractor = space ? { spec: describeFeatureSpace(space.spec), sha256: space.sha256 } : null;
      const result = {
        fid,
        ...(kid ? { kid: kid.kid, kidStd: kid.std, kidSubsets: kid.subsets, kidSubsetSize: kid.subsetSize } : {}),
        dim,
        protocol: space && space.spec.kind !== 'classifier' ? space.spec.protocol : null,
        extractor,
        sides: [a, b].map((s) => ({ path: s.path, kind: s.kind, count: s.count ?? null })),
      };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const side = (s: FidSide) => `${s.path} (${s.kind}${s.count !== undefined ? `, ${s.count}` : ''})`;
        process.stdout.write(`FID ${fid.toPrecision(8)}${kid ? `   KID ${kid.kid.toPrecision(6)} ± ${kid.std.toPrecision(3)} (std over ${kid.subsets} subsets of ${kid.subsetSize})` : ''}\n`);
        process.stdout.write(`  ${side(a)} vs ${side(b)}, ${dim}-d features\n`);
        if (extractor) process.stdout.write(`  extractor ${extractor.spec}, sha256 ${extractor.sha256}\n`);
      }
    } finally {
      await (space as FeatureSpace | undefined)?.dispose();
    }
  });
}

async function resolveSide(path: string, spaceFor: (path: string) => Promise<FeatureSpace>, log: BenchLog): Promise<FidSide> {
  const extension = extname(path).toLowerCase();
  const isFolder = await stat(path).then((s) => s.isDirectory(), () => false);
  if (!isFolder && extension === '.npz') {
    const file = await readStatisticsFile(path);
    return { path, kind: 'statistics', statistics: statisticsOf(file), ...(file.features ? { features: file.features, count: file.features.count } : {}) };
  }
  if (!isFolder && extension === '.npy') {
    const features = await readFeaturesFile(path);
    return { path, kind: 'features', statistics: statisticsOf(features), features, count: features.count };
  }
  const files = await listImageFiles([path]);
  assertEnoughImages(files, path);
  const features = await featuresOfImageFiles(files, await spaceFor(path), { log, cache: true });
  return { path, kind: 'images', statistics: statisticsOf(features), features, count: features.count };
}

async function openSpace(o: ExtractorOptions): Promise<FeatureSpace> {
  const spec: FeatureSpaceSpec = { kind: o.features!.kind, file: o.features!.file, protocol: o.fidProtocol };
  return openFeatureSpace(spec, o.threads !== undefined ? { threads: o.threads } : {});
}
