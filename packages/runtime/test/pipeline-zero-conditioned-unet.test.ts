import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { openModel, type LoadedPipeline } from '../src/index.js';

/**
 * The bare UNet call of a text-to-image pipeline, for the bench's bare session.run blocks: the pipeline's own UNet
 * session, conditioned on zero text embeddings of the tokenizer's length, at a fixed batch.
 */
const SD1 = fileURLToPath(new URL('../../../fixtures/diffusers-sd/sd1-tiny', import.meta.url));
const size = { height: 16, width: 16 };
const perImage = 4 * size.height * size.width;

describe('LoadedPipeline.zeroConditionedUNet', () => {
  let pipeline: LoadedPipeline;
  beforeAll(async () => {
    const model = await openModel(SD1, { threads: 1 });
    if (model.kind !== 'text-to-image') throw new Error(`sd1-tiny opened as ${model.kind}`);
    pipeline = model;
  });
  afterAll(async () => pipeline?.dispose());

  it('is the pipeline UNet conditioned on zero embeddings: the same prediction, bit for bit, as the text-to-image model given zeros', async () => {
    const unet = pipeline.zeroConditionedUNet(4, size);
    expect(unet.spec).toMatchObject({ channels: 4, height: 16, width: 16, outputChannels: 4, fixedBatchSize: 4 });
    const zeros = { data: new Float32Array(4 * 77 * 8), rows: 4, tokens: 77, width: 8 };
    const viaModel = pipeline.textToImageModel().denoiser({ text: zeros, sizes: { originalSize: [32, 32], cropTopLeft: [0, 0], targetSize: [32, 32] } }, size);
    const sample = Float32Array.from({ length: 4 * perImage }, (_, i) => Math.sin(i));
    const a = (await unet.predict(sample, 500)).slice();
    const b = await viaModel.predict(sample, 500);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
  });

  it('warms up and runs bare at its batch, and refuses another batch', async () => {
    const unet = pipeline.zeroConditionedUNet(2, size);
    await unet.warmup(2);
    await unet.bareRun(new Float32Array(2 * perImage), 500)();
    await expect(unet.predict(new Float32Array(4 * perImage), 500)).rejects.toThrow(/conditioned on 2 row\(s\), got a batch of 4/);
    expect(() => pipeline.zeroConditionedUNet(0, size)).toThrow(/rows must be an integer ≥ 1, got 0/);
  });
});
