import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { clipTextWeightShapes } from './clip-text-graph.js';
import { parseClipTextConfig } from './clip-text-config.js';
import { readJsonObject } from './model-folder.js';
import { parseUNet2DConditionConfig } from './unet-condition-config.js';
import { unet2DConditionWeightShapes } from './unet-condition-graph.js';
import { parseUNet2DConfig } from './unet-config.js';
import { unet2DWeightShapes } from './unet-graph.js';
import { parseAutoencoderKLConfig } from './vae-config.js';
import { autoencoderKLWeightShapes } from './vae-graph.js';
import { float32ToFloat16 } from './float16.js';
import { TEXT_TO_IMAGE_PIPELINES, textToImagePipelineClass } from './pipeline-file-plan.js';
import { elementCount } from './weights-file.js';

/**
 * Model folders with seeded random float32 weights for published architectures, so that the real sizes run and can be
 * benched without the real weights: a UNet2DModel folder (google/ddpm-cifar10-32: 35.7 M parameters,
 * ddpm-celebahq-256: 113.7 M) or a whole Stable Diffusion pipeline (SD 1.5: UNet 859.5 M, text encoder 123.1 M,
 * VAE 83.7 M) with the real tokenizer files. Initialisation in the spirit of PyTorch's defaults (uniform ±1/√fan_in
 * for conv and linear weights, N(0,1) for embedding tables) with norm scales 1 + 0.1·N(0,1) and biases 0.1·N(0,1), so
 * no layer is an identity. A folder appears atomically (written beside, then renamed), so an interrupted run leaves
 * nothing a later run would take as complete.
 */

/** Writes a UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors) for `config`; returns the parameter count. */
export async function writeSyntheticCheckpoint(config: Record<string, unknown>, outDir: string, options: { readonly seed?: number } = {}): Promise<number> {
  const shapes = unet2DWeightShapes(parseUNet2DConfig(config, 'synthetic config'));
  return atomically(outDir, async (staging) => {
    await writeFile(join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    return writeRandomSafetensors(join(staging, 'diffusion_pytorch_model.safetensors'), shapes, new SeededNormal(options.seed ?? 0), options.seed ?? 0, 'F32');
  });
}

/**
 * Writes a text-to-image pipeline folder from a published one's configs (`publishedDir`: model_index.json, each
 * component's config.json, scheduler/, the tokenizers' configs) and the CLIP vocabulary (`vocabularyDir`: vocab.json
 * and merges.txt, copied into every tokenizer folder), with seeded random weights for the UNet, the VAE and each text
 * encoder. SDXL is written in float16, as the fp16 variant its users download (its UNet alone is 10 GB in float32);
 * the others in float32. Returns each component's parameter count.
 */
export async function writeSyntheticPipeline(
  publishedDir: string,
  vocabularyDir: string,
  outDir: string,
  options: { readonly seed?: number; readonly log?: (line: string) => void } = {},
): Promise<Readonly<Record<string, number>>> {
  const seed = options.seed ?? 0;
  const index = await readJsonObject(join(publishedDir, 'model_index.json'));
  const pipelineClass = textToImagePipelineClass(index);
  if (!pipelineClass) throw new RangeError(`${publishedDir}/model_index.json: ${String(index['_class_name'])} is not a text-to-image pipeline denoise runs`);
  const spec = TEXT_TO_IMAGE_PIPELINES[pipelineClass];
  const dtype = spec.promptEncoding === 'sdxl' ? 'F16' : 'F32';
  const config = async (component: string) => readJsonObject(join(publishedDir, component, 'config.json'));
  const components = [
    { name: 'unet', file: 'diffusion_pytorch_model.safetensors', shapes: unet2DConditionWeightShapes(parseUNet2DConditionConfig(await config('unet'), join(publishedDir, 'unet'))) },
    { name: 'vae', file: 'diffusion_pytorch_model.safetensors', shapes: autoencoderKLWeightShapes(parseAutoencoderKLConfig(await config('vae'), join(publishedDir, 'vae'))) },
  ];
  for (const { encoder } of spec.textEncoders) {
    components.push({ name: encoder, file: 'model.safetensors', shapes: clipTextWeightShapes(parseClipTextConfig(await config(encoder), join(publishedDir, encoder))) });
  }
  return atomically(outDir, async (staging) => {
    await copyTree(publishedDir, staging);
    for (const { tokenizer } of spec.textEncoders) {
      for (const file of ['vocab.json', 'merges.txt']) await copyFile(join(vocabularyDir, file), join(staging, tokenizer, file));
    }
    const counts: Record<string, number> = {};
    for (const [i, component] of components.entries()) {
      options.log?.(`  ${component.name}: ${component.shapes.size} tensors …`);
      counts[component.name] = await writeRandomSafetensors(join(staging, component.name, component.file), component.shapes, new SeededNormal(seed + i), seed, dtype);
    }
    return counts;
  });
}

/** Whether `dir` already holds a complete synthetic folder (one of the writers above finished it). */
export async function hasSyntheticCheckpoint(dir: string): Promise<boolean> {
  for (const marker of ['diffusion_pytorch_model.safetensors', join('unet', 'diffusion_pytorch_model.safetensors')]) {
    try {
      if ((await stat(join(dir, marker))).isFile()) return true;
    } catch {
      // not this layout
    }
  }
  return false;
}

/** Runs `write` into a staging folder beside `outDir`, then renames it into place; nothing is left on failure. */
async function atomically<T>(outDir: string, write: (staging: string) => Promise<T>): Promise<T> {
  const staging = `${outDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const result = await write(staging);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      await mkdir(join(to, entry.name), { recursive: true });
      await copyTree(join(from, entry.name), join(to, entry.name));
    } else if (entry.isFile()) {
      await copyFile(join(from, entry.name), join(to, entry.name));
    }
  }
}

/** A float32 (or float16) safetensors file of `shapes` (keys sorted) filled by initialWeights; returns the element count. */
async function writeRandomSafetensors(file: string, shapes: ReadonlyMap<string, readonly number[]>, random: SeededNormal, seed: number, dtype: 'F32' | 'F16'): Promise<number> {
  const width = dtype === 'F32' ? 4 : 2;
  const sorted = [...shapes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', denoise: `synthetic, seed ${seed}` } };
  for (const [name, shape] of sorted) {
    const bytes = elementCount(shape) * width;
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8); // the safetensors crate aligns data to 8 bytes
  const stream = createWriteStream(file);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(headerText)));
  stream.write(prefix);
  stream.write(headerText);
  let parameters = 0;
  for (const [name, shape] of sorted) {
    const values = initialWeights(name, shape, random);
    parameters += values.length;
    // A plain loop: Uint16Array.from with a map function is ~30× slower (about 0.3 µs per element).
    const stored = dtype === 'F32' ? values : float32ToFloat16(values, new Uint16Array(values.length));
    if (!stream.write(Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength))) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return parameters;
}

function initialWeights(name: string, shape: readonly number[], random: SeededNormal): Float32Array {
  const values = new Float32Array(elementCount(shape));
  // GroupNorm / LayerNorm scales: every 1-D weight of a module whose name says norm (norm1, group_norm, layer_norm2, …).
  const isNorm = shape.length === 1 && /norm[a-z_0-9]*\.weight$/.test(name);
  const isEmbedding = name === 'class_embedding.weight' || (name === 'time_proj.weight' && shape.length === 2) || /_embedding\.weight$/.test(name);
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
