import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@denoise/image';
import { buildComponent, locateComponentFiles, vaeDecoderKind, VAE_ENCODER, type BuiltComponent, type VaeDecoderInput } from '@denoise/diffusers';
import { parsePythonJson } from '@denoise/schedule';

/**
 * Every AutoencoderKL reference of fixtures/diffusers-sd (see its README): the decoder and encoder graphs denoise
 * builds from config.json + weights must give diffusers' vae.decode(z).sample and latent_dist mean/std within
 * max|Δ| ≤ 2e-5 · max(1, max|ref|), float32 on CPU. The decoder is fed both the pipeline's latents (the graph
 * divides by scaling_factor) and the stored z; sd1-tiny's fp16 weights file is checked against `*_fp16weights`.
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));

interface Run {
  /** The folder of cases.json (a pipeline or a VAE-only folder). */
  readonly folder: string;
  readonly variant?: string;
}

const RUNS: readonly Run[] = [
  { folder: 'sd1-tiny' },
  { folder: 'sd1-tiny', variant: 'fp16' },
  { folder: 'sd2-tiny' },
  { folder: 'sdxl-tiny' },
  { folder: 'vae-legacy-config' },
  { folder: 'vae-no-mid-attn' },
  { folder: 'vae-sdxl-scaling' },
];

interface VaeCases {
  readonly cases: readonly {
    readonly name: string;
    readonly kind: 'decode' | 'encode';
    readonly inputs: Record<string, { readonly file: string }>;
    readonly outputs: Record<string, { readonly file: string }>;
  }[];
}

const worst: Record<string, number> = {};

describe('AutoencoderKL decoder and encoder match diffusers within 2e-5 · max(1, max|ref|)', () => {
  it.each(RUNS)('$folder $variant', async ({ folder, variant }) => {
    const dir = join(ROOT, folder);
    const files = await locateComponentFiles(dir, { component: 'vae', ...(variant ? { variant } : {}) });
    expect(files.weightsPath).toMatch(variant ? /\.fp16\.safetensors$/ : /model\.safetensors$/);
    const { cases } = readCases(join(dir, 'cases.json'));
    expect(cases.map((c) => c.kind).sort()).toEqual(['decode', 'decode', 'encode', 'encode']);
    const reference = (file: string) => join(dir, variant ? file.replace(/\.(\w+)\.npy$/, '.$1_fp16weights.npy') : file);

    for (const input of ['latents', 'z'] as const satisfies readonly VaeDecoderInput[]) {
      await withSession(await buildComponent(vaeDecoderKind(input), files), async (session, built) => {
        expect(built.signature).toMatchObject({ part: 'decoder', latentChannels: 4, input: { name: input } });
        for (const c of cases.filter((c) => c.kind === 'decode')) {
          const feed = await tensor(join(dir, c.inputs[input]!.file));
          const out = await session.run({ [input]: feed });
          await compare(`${folder}${variant ? ` (${variant})` : ''} decode from ${input}`, c.name, out['sample']!, reference(c.outputs['output']!.file));
        }
      });
    }
    await withSession(await buildComponent(VAE_ENCODER, files), async (session) => {
      for (const c of cases.filter((c) => c.kind === 'encode')) {
        const out = await session.run({ image: await tensor(join(dir, c.inputs['image']!.file)) });
        for (const role of ['mean', 'std'] as const) {
          await compare(`${folder}${variant ? ` (${variant})` : ''} encode ${role}`, c.name, out[role]!, reference(c.outputs[role]!.file));
        }
      }
    });
  });

  it('reports the worst case of each folder and case kind as a fraction of the tolerance', () => {
    const lines = Object.entries(worst).map(([k, v]) => `${k}: ${v.toFixed(3)}`);
    process.stdout.write(`worst max|Δ| / tolerance:\n  ${lines.join('\n  ')}\n`);
    expect(Object.keys(worst)).toHaveLength(RUNS.length * 4);
  });
});

/** The `vae` component of a cases.json (written by Python's json, which spells a scheduler's -inf `-Infinity`). */
function readCases(path: string): VaeCases {
  return (parsePythonJson(readFileSync(path, 'utf8')) as { components: { vae: VaeCases } }).components.vae;
}

/** A session made as loadModel makes it (weights as external data, one thread). */
async function withSession<C, S>(built: BuiltComponent<C, S>, use: (session: ort.InferenceSession, built: BuiltComponent<C, S>) => Promise<void>): Promise<void> {
  const session = await ort.InferenceSession.create(built.bytes, {
    intraOpNumThreads: 1,
    extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
  });
  try {
    await use(session, built);
  } finally {
    await session.release();
  }
}

async function tensor(path: string): Promise<ort.Tensor> {
  const array = await readNpy(path);
  return new ort.Tensor('float32', array.data as Float32Array, [...array.shape]);
}

async function compare(key: string, caseName: string, actual: ort.Tensor, referencePath: string): Promise<void> {
  const reference = await readNpy(referencePath);
  expect(actual.dims, `${key} ${caseName}: shape`).toEqual(reference.shape);
  const got = actual.data as Float32Array;
  const want = reference.data as Float32Array;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
  }
  const tolerance = 2e-5 * Math.max(1, maxRef);
  worst[key] = Math.max(worst[key] ?? 0, maxDiff / tolerance);
  expect(maxDiff, `${key} case ${caseName}: max|Δ| ${maxDiff} > ${tolerance}`).toBeLessThanOrEqual(tolerance);
}
