import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { elementCount, fidInceptionStateDict, type FidInceptionStateDictEntry } from '@denoise/diffusers';
import { NumpyRandomState } from '@denoise/schedule';
import { fsum } from './exact-sum.js';
import { denoiseCacheDir } from './model-reference.js';

/**
 * The fid-inception reference's seeded random weights (its `make_weights.py`), reproduced bit for bit: pytorch-fid's
 * FID Inception-v3 state_dict filled from one `numpy.random.RandomState(seed).random_sample` stream, so tests and
 * benches run the real network's size and the reference's features without the real (licensed, downloaded) file.
 * Rule, per tensor in state_dict order, all in float64 and rounded once to float32 (u: that tensor's draws):
 * conv weights (2u − 1)·1.2·√(6 / fan_in), every filter but Conv2d_1a_3x3's made zero-sum (math.fsum);
 * BatchNorm γ = 0.5 + u, β and running mean 0.2u − 0.1, running var 0.5 + 1.5u; fc.weight (2u − 1)/√2048,
 * fc.bias 0.02·(2u − 1); num_batches_tracked int64 0 (no draws).
 */

export const FID_INCEPTION_RANDOM_SEED = 20241129;
/** The file make_weights.py --safetensors writes. */
const RANDOM_FID_INCEPTION_FILE = 'pt_inception-random.safetensors';
/** Its sha256 for the default seed (the reference README's). */
export const RANDOM_FID_INCEPTION_SHA256 = '30e92324213d81349add29b17a75f554b1de54bfc5eed85a11636159296f31f1';

/** The values of one state_dict entry (little-endian bytes as safetensors stores them), drawing from `random`. */
export function randomFidInceptionTensor(entry: FidInceptionStateDictEntry, random: NumpyRandomState): Uint8Array {
  const count = elementCount(entry.shape);
  if (entry.dtype === 'I64') return new Uint8Array(count * 8); // num_batches_tracked: 0
  const u = random.randomSamples(count);
  const v = new Float64Array(count);
  const { name, shape } = entry;
  if (name.endsWith('.conv.weight')) {
    const fanIn = count / shape[0]!;
    const scale = 1.2 * Math.sqrt(6 / fanIn);
    for (let i = 0; i < count; i++) v[i] = (2 * u[i]! - 1) * scale;
    if (!name.startsWith('Conv2d_1a_3x3.')) {
      for (let row = 0; row < count; row += fanIn) {
        const mean = fsum(v, row, row + fanIn) / fanIn;
        for (let i = row; i < row + fanIn; i++) v[i] = v[i]! - mean;
      }
    }
  } else if (name.endsWith('.bn.weight')) {
    for (let i = 0; i < count; i++) v[i] = 0.5 + u[i]!;
  } else if (name.endsWith('.bn.bias') || name.endsWith('.bn.running_mean')) {
    for (let i = 0; i < count; i++) v[i] = 0.2 * u[i]! - 0.1;
  } else if (name.endsWith('.bn.running_var')) {
    for (let i = 0; i < count; i++) v[i] = 0.5 + 1.5 * u[i]!;
  } else if (name === 'fc.weight') {
    const scale = Math.sqrt(2048);
    for (let i = 0; i < count; i++) v[i] = (2 * u[i]! - 1) / scale;
  } else if (name === 'fc.bias') {
    for (let i = 0; i < count; i++) v[i] = 0.02 * (2 * u[i]! - 1);
  } else {
    throw new Error(`internal error: no value rule for '${name}'`);
  }
  return new Uint8Array(Float32Array.from(v).buffer);
}

/**
 * Writes the reference weights as make_weights.py's `--safetensors` writes them, byte for byte: header
 * `json.dumps(…, separators=(',', ':'))` in state_dict order with `__metadata__` last, padded with spaces to 8 bytes.
 * Written beside `path` and renamed into place, so an interrupted run leaves no file a later run would take.
 */
export async function writeRandomFidInceptionWeights(path: string, options: { readonly seed?: number } = {}): Promise<void> {
  const entries = fidInceptionStateDict();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const { name, dtype, shape } of entries) {
    const bytes = elementCount(shape) * (dtype === 'F32' ? 4 : 8);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  header['__metadata__'] = { format: 'pt', layout: 'pytorch-fid fid_inception_v3 state_dict' };
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerText.length));

  await mkdir(dirname(path), { recursive: true });
  // Unique per writer: two test workers (threads of one process) may write the same cached file at once.
  const staging = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const stream = createWriteStream(staging);
  try {
    stream.write(length);
    stream.write(headerText);
    const random = new NumpyRandomState(options.seed ?? FID_INCEPTION_RANDOM_SEED);
    for (const entry of entries) {
      if (!stream.write(randomFidInceptionTensor(entry, random))) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await rename(staging, path);
  } catch (error) {
    stream.destroy();
    await rm(staging, { force: true });
    throw error;
  }
}

/**
 * The reference weights file in denoise's cache (`synthetic/fid-inception-random-<seed>/`), written on first use
 * (about 95 MB, a few seconds).
 */
export async function randomFidInceptionWeights(options: { readonly seed?: number; readonly cacheDir?: string } = {}): Promise<string> {
  const seed = options.seed ?? FID_INCEPTION_RANDOM_SEED;
  const path = join(options.cacheDir ?? join(denoiseCacheDir(), 'synthetic'), `fid-inception-random-${seed}`, RANDOM_FID_INCEPTION_FILE);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) await writeRandomFidInceptionWeights(path, { seed });
  return path;
}
