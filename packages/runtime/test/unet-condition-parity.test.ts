import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@denoise/image';
import { buildComponent, UNET_2D_CONDITION } from '@denoise/diffusers';
import { parsePythonJson } from '@denoise/schedule';

/**
 * The UNet2DConditionModel graph denoise builds from each reference pipeline's unet/ (fixtures/diffusers-sd, made by
 * diffusers' own class) gives diffusers' output for every case within the README's rule, max|Δ| ≤ 2e-5 · max(1,
 * max|ref|): SD 1.x (conv projections, 8 heads as attention_head_dim 8) and SD 2.x (linear projections, upcast
 * attention, per-level head counts, a plain last level), int and float timesteps, batches with one timestep per image,
 * the fp16 weights file against `output_fp16weights`, LCM's guidance embedding through time_cond_proj_dim (a case
 * without `timestep_cond` is fed zeros: the bias-free cond_proj then adds exactly 0, as diffusers skipping it does),
 * and SDXL's arrangement (transformer_layers_per_block per level, no attention at the first level) with its
 * "text_time" added embedding fed `text_embeds` and `time_ids`.
 */
const ROOT = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));

interface CaseFile {
  readonly components: {
    readonly unet: {
      readonly cases: readonly {
        readonly name: string;
        readonly inputs: Record<string, { readonly file: string }>;
        readonly outputs: Record<string, { readonly file: string }>;
      }[];
    };
  };
}

const runs = [
  { folder: 'sd1-tiny', variant: undefined as string | undefined },
  { folder: 'sd1-tiny', variant: 'fp16' },
  { folder: 'sd2-tiny', variant: undefined },
  { folder: 'lcm-tiny', variant: undefined },
  { folder: 'sdxl-tiny', variant: undefined },
];
const worst: Record<string, number> = {};

describe('UNet2DConditionModel graphs match diffusers within 2e-5 · max(1, max|ref|)', () => {
  it.each(runs)('$folder $variant', async ({ folder, variant }) => {
    const unetDir = join(ROOT, folder, 'unet');
    const weights = `diffusion_pytorch_model${variant ? `.${variant}` : ''}.safetensors`;
    const built = await buildComponent(UNET_2D_CONDITION, {
      configPath: join(unetDir, 'config.json'),
      weightsPath: join(unetDir, weights),
      weightsFormat: 'safetensors',
    });
    const session = await ort.InferenceSession.create(built.bytes, {
      intraOpNumThreads: 1,
      extra: { session: { model_external_initializers_file_folder_path: built.externalDataFolder! } },
    });
    try {
      const { cases } = (parsePythonJson(readFileSync(join(ROOT, folder, 'cases.json'), 'utf8')) as CaseFile).components.unet;
      expect(cases.length).toBe(folder === 'lcm-tiny' ? 6 : 5);
      for (const testCase of cases) {
        const read = async (file: string) => readNpy(join(ROOT, folder, file));
        const sample = await read(testCase.inputs['sample']!.file);
        const batch = sample.shape[0]!;
        const timestep = await read(testCase.inputs['timestep']!.file);
        const values = Array.from(timestep.data as ArrayLike<number | bigint>, Number);
        const context = await read(testCase.inputs['encoder_hidden_states']!.file);
        const feeds: Record<string, ort.Tensor> = {
          sample: new ort.Tensor('float32', sample.data as Float32Array, [...sample.shape]),
          timestep: new ort.Tensor('float32', Float32Array.from({ length: batch }, (_, i) => values[values.length === 1 ? 0 : i]!), [batch]),
          encoder_hidden_states: new ort.Tensor('float32', context.data as Float32Array, [...context.shape]),
        };
        const condDim = built.signature.timestepCond?.dim;
        if (condDim !== undefined) {
          const cond = testCase.inputs['timestep_cond'];
          const data = cond ? ((await read(cond.file)).data as Float32Array) : new Float32Array(batch * condDim);
          feeds['timestep_cond'] = new ort.Tensor('float32', data, [batch, condDim]);
        }
        const added = built.signature.addedConditions;
        if (added) {
          const textEmbeds = await read(testCase.inputs['text_embeds']!.file);
          const timeIds = await read(testCase.inputs['time_ids']!.file);
          expect([textEmbeds.shape, timeIds.shape]).toEqual([
            [batch, added.textEmbeds.dim],
            [batch, added.timeIds.count],
          ]);
          feeds[added.textEmbeds.name] = new ort.Tensor('float32', textEmbeds.data as Float32Array, [batch, added.textEmbeds.dim]);
          feeds[added.timeIds.name] = new ort.Tensor('float32', timeIds.data as Float32Array, [batch, added.timeIds.count]);
        }
        const output = (await session.run(feeds))['out_sample']!.data as Float32Array;
        const reference = (await read(testCase.outputs[variant ? 'output_fp16weights' : 'output']!.file)).data as Float32Array;
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
    process.stdout.write(`UNet2DConditionModel worst max|Δ| / tolerance per folder:\n  ${lines.join('\n  ')}\n`);
    expect(Object.keys(worst).length).toBe(runs.length);
  });
});
