import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@denoise/image';
import { buildComponent, UNET_2D_CONDITION } from '@denoise/diffusers';
import { parsePythonJson } from '@denoise/schedule';
import { loadModel } from '../src/load-model.js';

/**
 * An SDXL UNet (addition_embed_type "text_time") written as a self-contained .onnx and opened by loadModel: its
 * signature lists text_embeds [B, 12] and time_ids [B, 6] beside encoder_hidden_states as conditioning inputs, the
 * denoiser refuses to predict until they are bound, and once bound with conditionedOn it gives diffusers' output for
 * sdxl-tiny's `t999-b2` case within the README's rule, max|Δ| ≤ 2e-5 · max(1, max|ref|).
 */
const SDXL = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sdxl-tiny/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'denoise-sdxl-unet-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface UNetCase {
  readonly name: string;
  readonly inputs: Record<string, { readonly file: string }>;
  readonly outputs: Record<string, { readonly file: string }>;
}

describe('a UNet with SDXL added conditions is driven through conditionedOn', () => {
  it('binds text_embeds and time_ids by name and matches diffusers', async () => {
    const built = await buildComponent(
      UNET_2D_CONDITION,
      { configPath: join(SDXL, 'unet', 'config.json'), weightsPath: join(SDXL, 'unet', 'diffusion_pytorch_model.safetensors'), weightsFormat: 'safetensors' },
      { storage: 'embedded' },
    );
    expect(built.signature.addedConditions).toEqual({ textEmbeds: { name: 'text_embeds', dim: 12 }, timeIds: { name: 'time_ids', count: 6 } });
    const path = join(scratch, 'unet.onnx');
    writeFileSync(path, built.bytes);

    const model = await loadModel(path, { threads: 1, sampleShape: { height: 16, width: 16 } });
    try {
      expect(model.signature.conditioning).toEqual([
        { name: 'encoder_hidden_states', rowShape: ['tokens', 16] },
        { name: 'text_embeds', rowShape: [12] },
        { name: 'time_ids', rowShape: [6] },
      ]);
      const cases = (parsePythonJson(readFileSync(join(SDXL, 'cases.json'), 'utf8')) as { components: { unet: { cases: readonly UNetCase[] } } }).components.unet.cases;
      const testCase = cases.find((c) => c.name === 't999-b2')!;
      const read = async (role: string) => (await readNpy(join(SDXL, testCase.inputs[role]!.file))).data as Float32Array;
      const sample = await read('sample');
      const rows = 2;
      await expect(model.denoiser.predict(sample, 999)).rejects.toThrow(/conditioned on encoder_hidden_states, text_embeds, time_ids; bind them first/);

      const hidden = { name: 'encoder_hidden_states', data: await read('encoder_hidden_states'), rowDims: [77, 16] };
      const textEmbeds = { name: 'text_embeds', data: await read('text_embeds'), rowDims: [12] };
      const timeIds = { name: 'time_ids', data: await read('time_ids'), rowDims: [6] };
      expect(() => model.denoiser.conditionedOn(rows, [hidden, textEmbeds])).toThrow(/conditioning input 'time_ids' is not given/);
      expect(() => model.denoiser.conditionedOn(rows, [hidden, textEmbeds, { ...timeIds, rowDims: [5] }])).toThrow(/'time_ids' rows are \[5\], the model takes \[6\]/);

      const output = await model.denoiser.conditionedOn(rows, [hidden, textEmbeds, timeIds]).predict(sample, 999);
      const reference = (await readNpy(join(SDXL, testCase.outputs['output']!.file))).data as Float32Array;
      expect(output.length).toBe(reference.length);
      let maxDiff = 0;
      let maxRef = 0;
      for (let i = 0; i < reference.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(output[i]! - reference[i]!));
        maxRef = Math.max(maxRef, Math.abs(reference[i]!));
      }
      expect(maxDiff).toBeLessThanOrEqual(2e-5 * Math.max(1, maxRef));
    } finally {
      await model.dispose();
    }
  });
});
