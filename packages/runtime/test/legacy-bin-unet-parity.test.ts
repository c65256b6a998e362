import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@denoise/image';
import { buildUNetModel, locateDiffusersUNet } from '@denoise/diffusers';
import { describe, expect, it } from 'vitest';

/**
 * Issue 25: the tiny DDPM UNet saved by torch in its legacy (pre-1.6, non-zip) format
 * (fixtures/torch-bin/legacy-ddpm-cifar10-32-tiny, see its README) builds into a graph that gives, for every case
 * of diffusers' reference folder, exactly the output of the graph built from the safetensors file.
 */
const LEGACY = fileURLToPath(new URL('../../../fixtures/torch-bin/legacy-ddpm-cifar10-32-tiny/', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../../../fixtures/diffusers-unet/ddpm-cifar10-32-tiny/', import.meta.url));

interface CaseFile {
  readonly cases: readonly { readonly name: string; readonly inputs: Record<string, { readonly file: string }>; readonly output: { readonly file: string } }[];
}

async function outputs(folder: string): Promise<{ weightsPath: string; results: Float32Array[] }> {
  const built = await buildUNetModel(await locateDiffusersUNet(folder));
  const session = await ort.InferenceSession.create(built.bytes, {
    intraOpNumThreads: 1,
    extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
  });
  try {
    const { cases } = JSON.parse(readFileSync(join(REFERENCE, 'cases.json'), 'utf8')) as CaseFile;
    const results: Float32Array[] = [];
    for (const testCase of cases) {
      const sample = await readNpy(join(REFERENCE, testCase.inputs['sample']!.file));
      const batch = sample.shape[0]!;
      const timestep = Array.from((await readNpy(join(REFERENCE, testCase.inputs['timestep']!.file))).data as ArrayLike<number | bigint>, Number);
      const perItem = timestep.length === 1 ? new Array<number>(batch).fill(timestep[0]!) : timestep;
      const feeds = {
        sample: new ort.Tensor('float32', sample.data as Float32Array, [...sample.shape]),
        timestep:
          built.signature.timestep.dtype === 'int64'
            ? new ort.Tensor('int64', BigInt64Array.from(perItem.map((v) => BigInt(v))), [batch])
            : new ort.Tensor('float32', Float32Array.from(perItem), [batch]),
      };
      results.push((await session.run(feeds))['out_sample']!.data as Float32Array);
    }
    return { weightsPath: built.folder.weightsPath, results };
  } finally {
    await session.release();
  }
}

describe('a UNet2DModel folder whose .bin is in torch legacy format', () => {
  it('gives the same outputs as the same weights from safetensors, and diffusers\' within 2e-5', async () => {
    const legacy = await outputs(LEGACY);
    const safetensors = await outputs(REFERENCE);
    expect(legacy.weightsPath).toMatch(/legacy-ddpm-cifar10-32-tiny\/diffusion_pytorch_model\.bin$/);
    expect(safetensors.weightsPath).toMatch(/\.safetensors$/);
    const { cases } = JSON.parse(readFileSync(join(REFERENCE, 'cases.json'), 'utf8')) as CaseFile;
    expect(legacy.results).toHaveLength(cases.length);
    for (const [i, testCase] of cases.entries()) {
      expect(Buffer.from(legacy.results[i]!.buffer).equals(Buffer.from(safetensors.results[i]!.buffer)), testCase.name).toBe(true);
      const reference = (await readNpy(join(REFERENCE, testCase.output.file))).data as Float32Array;
      let maxDiff = 0;
      let maxRef = 0;
      for (let j = 0; j < reference.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(legacy.results[i]![j]! - reference[j]!));
        maxRef = Math.max(maxRef, Math.abs(reference[j]!));
      }
      expect(maxDiff, testCase.name).toBeLessThanOrEqual(2e-5 * Math.max(1, maxRef));
    }
  });
});
