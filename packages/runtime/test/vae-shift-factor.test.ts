import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@denoise/image';
import { buildVaeDecoderGraph, encodeOnnxModel, parseAutoencoderKLConfig, readJsonObject, readSafetensors, type VaeDecoderInput } from '@denoise/diffusers';

/**
 * No reference VAE has a shift_factor, so this pins the order the SD3/Flux pipelines use against the decoder's own
 * z input: the latents graph must compute z = latents / scaling_factor + shift_factor (not (latents − shift) / scale
 * nor (latents + shift) / scale, which differ by ≈ 0.4 here).
 */
const FOLDER = fileURLToPath(new URL('../../../fixtures/diffusers-sd/vae-sdxl-scaling/', import.meta.url));

describe('the decoder takes latents as latents / scaling_factor + shift_factor', () => {
  it('matches the same decoder fed that z', async () => {
    const config = { ...parseAutoencoderKLConfig(await readJsonObject(join(FOLDER, 'config.json'))), shiftFactor: 0.0609 };
    const weights = await readSafetensors(join(FOLDER, 'diffusion_pytorch_model.safetensors'));
    const decode = async (input: VaeDecoderInput, values: Float32Array, dims: readonly number[]): Promise<Float32Array> => {
      const { graph } = buildVaeDecoderGraph(config, weights, { input });
      const model = await encodeOnnxModel(graph, weights, { storage: 'external', producerVersion: '0' });
      const session = await ort.InferenceSession.create(model.bytes, {
        intraOpNumThreads: 1,
        extra: { session: { model_external_initializers_file_folder_path: model.externalDataFolder! } },
      });
      try {
        return (await session.run({ [input]: new ort.Tensor('float32', values, [...dims]) }))['sample']!.data as Float32Array;
      } finally {
        await session.release();
      }
    };
    const latents = await readNpy(join(FOLDER, 'cases/vae/decode-b1.latents.npy'));
    const values = latents.data as Float32Array;
    const z = values.map((v) => Math.fround(Math.fround(v / Math.fround(config.scalingFactor)) + Math.fround(0.0609)));
    const fromLatents = await decode('latents', values, latents.shape);
    const fromZ = await decode('z', z, latents.shape);
    let maxDiff = 0;
    let maxRef = 0;
    fromZ.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - fromLatents[i]!));
      maxRef = Math.max(maxRef, Math.abs(v));
    });
    expect(maxDiff).toBeLessThanOrEqual(2e-5 * Math.max(1, maxRef));
  });
});
