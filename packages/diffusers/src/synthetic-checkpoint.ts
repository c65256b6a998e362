import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseUNet2DConfig } from './unet-config.js';
import { unet2DWeightShapes } from './unet-graph.js';
import { elementCount } from './weights-file.js';

/**
 * Writes a UNet2DModel folder for `config` (a config.json object) with seeded random float32 weights:
 * config.json + diffusion_pytorch_model.safetensors. It lets the full-size architectures of published
 * checkpoints (google/ddpm-cifar10-32: 35.7 M parameters, ddpm-celebahq-256: 113.7 M) run and be benched
 * without their weights. Initialisation in the spirit of PyTorch's defaults (uniform ±1/√fan_in for conv and
 * linear weights, N(0,1) for embeddings) with norm scales 1 + 0.1·N(0,1) and biases 0.1·N(0,1), so no layer
 * is an identity. The folder appears atomically (written beside, then renamed), so an interrupted run leaves
 * nothing a later run would take as complete. Returns the parameter count.
 */
export async function writeSyntheticCheckpoint(config: Record<string, unknown>, outDir: string, options: { readonly seed?: number } = {}): Promise<number> {
  const shapes = [...unet2DWeightShapes(parseUNet2DConfig(config, 'synthetic config'))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const random = new SeededNormal(options.seed ?? 0);
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', denoise: `synthetic, seed ${options.seed ?? 0}` } };
  for (const [name, shape] of shapes) {
    const bytes = elementCount(shape) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8); // the safetensors crate aligns data to 8 bytes
  const staging = `${outDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await writeFile(join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const stream = createWriteStream(join(staging, 'diffusion_pytorch_model.safetensors'));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(headerText)));
    stream.write(prefix);
    stream.write(headerText);
    let parameters = 0;
    for (const [name, shape] of shapes) {
      const values = initialWeights(name, shape, random);
      parameters += values.length;
      if (!stream.write(Buffer.from(values.buffer, values.byteOffset, values.byteLength))) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return parameters;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Whether `dir` already holds a complete synthetic checkpoint (written by writeSyntheticCheckpoint). */
export async function hasSyntheticCheckpoint(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'diffusion_pytorch_model.safetensors'))).isFile();
  } catch {
    return false;
  }
}

function initialWeights(name: string, shape: readonly number[], random: SeededNormal): Float32Array {
  const values = new Float32Array(elementCount(shape));
  const isNorm = /(^|\.)(norm\d?|group_norm|conv_norm_out)\.weight$/.test(name);
  const isEmbedding = name === 'class_embedding.weight' || (name === 'time_proj.weight' && shape.length === 2);
  if (name === 'time_proj.weight' && shape.length === 1) {
    for (let i = 0; i < values.length; i++) values[i] = 16 * random.next(); // GaussianFourierProjection, scale 16
  } else if (isNorm) {
    for (let i = 0; i < values.length; i++) values[i] = 1 + 0.1 * random.next();
  } else if (name.endsWith('.bias')) {
    for (let i = 0; i < values.length; i++) values[i] = 0.1 * random.next();
  } else if (isEmbedding) {
    for (let i = 0; i < values.length; i++) values[i] = random.next();
  } else {
    const fanIn = elementCount(shape.slice(1));
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < values.length; i++) values[i] = bound * (2 * random.uniform() - 1);
  }
  return values;
}

/** A small seeded generator (SplitMix32 → uniform, Box–Muller → normal); only reproducibility matters here. */
class SeededNormal {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (((z ^ (z >>> 16)) >>> 0) + 0.5) / 4294967296;
  }

  next(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
