import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy, type NpyArray } from '@denoise/image';
import { buildUNetModel, locateDiffusersUNet } from '@denoise/diffusers';

/**
 * Every reference folder made by diffusers' own UNet2DModel (fixtures/diffusers-unet, see its README): the graph
 * denoise builds from config.json + weights must give diffusers' output for every case within the README's
 * tolerance, max|Δ| ≤ 2e-5 · max(1, max|ref|), float32 on CPU — including batches with a different timestep per
 * image, class labels, and the fp16 weights file (against `output_fp16weights`).
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-unet/', import.meta.url));
const FOLDERS = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'published')
  .map((e) => e.name);

interface CaseFile {
  readonly cases: readonly {
    readonly name: string;
    readonly inputs: Record<string, { readonly file: string }>;
    readonly output: { readonly file: string };
  }[];
}

const runs = FOLDERS.flatMap((folder) => [
  { folder, variant: undefined as string | undefined },
  ...(readdirSync(join(ROOT, folder)).some((f) => f.includes('.fp16.')) ? [{ folder, variant: 'fp16' }] : []),
]);
const worst: Record<string, number> = {};

describe('UNet2DModel folders match diffusers within 2e-5 · max(1, max|ref|)', () => {
  it('covers all 14 reference folders', () => {
    expect(FOLDERS).toHaveLength(14);
  });

  it.each(runs)('$folder $variant', async ({ folder, variant }) => {
    // The graph itself, through a session made as loadModel makes it (weights as external data), so that models
    // denoise cannot sample with (opt-class-embed: 4 channels in, 6 out) are checked too.
    const built = await buildUNetModel(await locateDiffusersUNet(join(ROOT, folder), variant ? { variant } : {}));
    expect(built.folder.weightsPath).toMatch(variant ? /\.fp16\.safetensors$/ : /model\.safetensors$/);
    const session = await ort.InferenceSession.create(built.bytes, {
      intraOpNumThreads: 1,
      extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
    });
    try {
      const { cases } = JSON.parse(readFileSync(join(ROOT, folder, 'cases.json'), 'utf8')) as CaseFile;
      for (const testCase of cases) {
        const sample = await readNpy(join(ROOT, folder, testCase.inputs['sample']!.file));
        const batch = sample.shape[0]!;
        const feeds: Record<string, ort.Tensor> = {
          sample: new ort.Tensor('float32', sample.data as Float32Array, [...sample.shape]),
          timestep: timestepTensor(await readNpy(join(ROOT, folder, testCase.inputs['timestep']!.file)), batch, built.signature.timestep.dtype),
        };
        const labels = testCase.inputs['class_labels'];
        if (labels) {
          const array = await readNpy(join(ROOT, folder, labels.file));
          feeds['class_labels'] = new ort.Tensor(array.dtype === 'int64' ? 'int64' : 'float32', array.data as BigInt64Array | Float32Array, [...array.shape]);
        }
        const output = (await session.run(feeds))['out_sample']!.data as Float32Array;
        const referenceFile = variant ? testCase.output.file.replace('.output.', '.output_fp16weights.') : testCase.output.file;
        const reference = (await readNpy(join(ROOT, folder, referenceFile))).data as Float32Array;
        expect(output.length).toBe(reference.length);
        let maxDiff = 0;
        let maxRef = 0;
        for (let i = 0; i < reference.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(output[i]! - reference[i]!));
          maxRef = Math.max(maxRef, Math.abs(reference[i]!));
        }
        const tolerance = 2e-5 * Math.max(1, maxRef);
        const key = `${folder}${variant ? ` (${variant})` : ''}`;
        worst[key] = Math.max(worst[key] ?? 0, maxDiff / tolerance);
        expect(maxDiff, `${key} case ${testCase.name}: max|Δ| ${maxDiff} > ${tolerance}`).toBeLessThanOrEqual(tolerance);
      }
    } finally {
      await session.release();
    }
  });

  it('reports the worst case of each folder as a fraction of the tolerance', () => {
    const lines = Object.entries(worst).map(([k, v]) => `${k}: ${v.toFixed(3)}`);
    process.stdout.write(`worst max|Δ| / tolerance per folder:\n  ${lines.join('\n  ')}\n`);
    expect(Object.keys(worst).length).toBe(runs.length);
  });
});

/** The case's timestep (0-d, [1] or [B]) broadcast to [B], as UNet2DModel broadcasts it. */
function timestepTensor(array: NpyArray, batch: number, dtype: string): ort.Tensor {
  const values = Array.from(array.data as ArrayLike<number | bigint>, Number);
  const perItem = values.length === 1 ? new Array<number>(batch).fill(values[0]!) : values;
  return dtype === 'int64'
    ? new ort.Tensor('int64', BigInt64Array.from(perItem.map((v) => BigInt(v))), [batch])
    : new ort.Tensor('float32', Float32Array.from(perItem), [batch]);
}
