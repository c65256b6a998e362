import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from '@denoise/schedule';
import { ClassifierFreeGuidance, guidanceScaleEmbedding, sample, textToImage, type Denoiser, type DenoiserSpec, type TextEmbeddings, type TextToImageModel, type UNetConditioning } from '../src/index.js';

/** A closed-form conditioned model: row r of the batch predicts 0.5·x + bias[r]·(1 + i/n) for element i of its image. */
class RowBiasDenoiser implements Denoiser {
  readonly spec: DenoiserSpec;
  readonly calls: number[] = [];

  constructor(
    readonly bias: readonly number[],
    size = 4,
  ) {
    this.spec = { channels: 1, height: size, width: size, outputChannels: 1, fixedBatchSize: bias.length };
  }

  async predict(x: Float32Array, _t: number): Promise<Float32Array> {
    const perImage = x.length / this.bias.length;
    this.calls.push(x.length / perImage);
    return Float32Array.from(x, (v, i) => 0.5 * v + this.bias[Math.floor(i / perImage)]! * (1 + (i % perImage) / perImage));
  }
}

describe('classifier-free guidance as a Denoiser', () => {
  it('runs the model once on [x, x] and returns ε_u + w·(ε_c − ε_u) per image', async () => {
    const inner = new RowBiasDenoiser([0.1, -0.2, 0.7, 0.3]); // rows: uncond 0, uncond 1, cond 0, cond 1
    const guided = new ClassifierFreeGuidance(inner, { guidanceScale: 7.5 });
    expect(guided.spec.fixedBatchSize).toBe(2);
    const x = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const out = await guided.predict(x, 500);
    expect(inner.calls).toEqual([4]);
    for (let i = 0; i < 32; i++) {
      const image = Math.floor(i / 16);
      const ramp = 1 + (i % 16) / 16;
      const u = 0.5 * x[i]! + inner.bias[image]! * ramp;
      const c = 0.5 * x[i]! + inner.bias[image + 2]! * ramp;
      expect(out[i]).toBeCloseTo(u + 7.5 * (c - u), 5);
    }
  });

  it('guidance_rescale φ mixes in ε·std(ε_c)/std(ε) per image, and φ = 0 changes nothing', async () => {
    const x = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i * 0.7));
    const plain = await new ClassifierFreeGuidance(new RowBiasDenoiser([0.1, -0.2, 0.7, 0.3]), { guidanceScale: 5 }).predict(x, 10);
    const zero = await new ClassifierFreeGuidance(new RowBiasDenoiser([0.1, -0.2, 0.7, 0.3]), { guidanceScale: 5, guidanceRescale: 0 }).predict(x, 10);
    expect(Array.from(zero)).toEqual(Array.from(plain));
    const inner = new RowBiasDenoiser([0.1, -0.2, 0.7, 0.3]);
    const rescaled = await new ClassifierFreeGuidance(inner, { guidanceScale: 5, guidanceRescale: 0.7 }).predict(x, 10);
    const cond = (await inner.predict(Float32Array.from([...x, ...x]), 10)).subarray(32);
    const std = (v: ArrayLike<number>) => {
      const values = Array.from(v);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    };
    for (const image of [0, 1]) {
      const g = plain.subarray(image * 16, image * 16 + 16);
      const ratio = std(cond.subarray(image * 16, image * 16 + 16)) / std(g);
      for (let i = 0; i < 16; i++) expect(rescaled[image * 16 + i]).toBeCloseTo(0.7 * g[i]! * ratio + 0.3 * g[i]!, 5);
    }
  });

  it('refuses an odd fixed batch and a scale that is not finite', () => {
    expect(() => new ClassifierFreeGuidance(new RowBiasDenoiser([1, 2, 3]), { guidanceScale: 7.5 })).toThrow(/must be even/);
    expect(() => new ClassifierFreeGuidance(new RowBiasDenoiser([1, 2]), { guidanceScale: Number.NaN })).toThrow(/guidanceScale/);
    expect(() => new ClassifierFreeGuidance(new RowBiasDenoiser([1, 2]), { guidanceScale: 2, guidanceRescale: 1.5 })).toThrow(/guidanceRescale/);
  });

  it('a batch that does not match the conditioning rows is refused by the loop before any model call', async () => {
    const inner = new RowBiasDenoiser([0.1, 0.2, 0.3, 0.4]);
    const scheduler = DDIMScheduler.fromConfig({});
    await expect(sample({ scheduler, denoiser: new ClassifierFreeGuidance(inner, { guidanceScale: 3 }), steps: 5, batchSize: 3 })).rejects.toThrow(/fixed to batch 2/);
    expect(inner.calls).toEqual([]);
  });
});

/** A closed-form text-to-image model: each prompt's "embedding" is its length; decode doubles the latents. */
class LengthModel implements TextToImageModel {
  readonly latentChannels = 1;
  readonly vaeScaleFactor = 2;
  readonly encoded: (string | null)[][] = [];
  readonly decoded: Float32Array[] = [];

  async encodePrompts(prompts: readonly (string | null)[], role: 'prompt' | 'negative'): Promise<TextEmbeddings> {
    this.encoded.push(role === 'negative' ? [...prompts, '(negative)'] : [...prompts]);
    return { data: Float32Array.from(prompts, (p) => (p ?? '').length / 10), rows: prompts.length, tokens: 1, width: 1 };
  }

  denoiser({ text }: UNetConditioning, size: { height: number; width: number }): Denoiser {
    return new RowBiasDenoiser(Array.from(text.data), size.height);
  }

  async decode(latents: Float32Array): Promise<Float32Array> {
    this.decoded.push(latents.slice());
    return Float32Array.from({ length: latents.length * 4 }, (_, i) => latents[Math.floor(i / 4)]! * 2);
  }
}

describe('textToImage: encode → the one loop → decode', () => {
  it('with guidance, encodes [negatives…, prompts…] and samples the guided model; decodes the final latents', async () => {
    const model = new LengthModel();
    const result = await textToImage({
      model,
      scheduler: DDIMScheduler.fromConfig({}),
      steps: 4,
      prompts: ['a cat', 'a red bicycle'],
      negativePrompts: ['', 'blurry'],
      guidanceScale: 7.5,
      height: 8,
      width: 8,
    });
    expect(model.encoded).toEqual([['a cat', 'a red bicycle'], ['', 'blurry', '(negative)']]);
    // No negative prompts: one null per image, which the model encodes as '' or zeros (SDXL).
    await textToImage({ model, scheduler: DDIMScheduler.fromConfig({}), steps: 1, prompts: ['a cat'], guidanceScale: 7.5, height: 4, width: 4 });
    expect(model.encoded.slice(2)).toEqual([['a cat'], [null, '(negative)']]);
    expect(result.guidance).toBe('classifier-free');
    expect(result.latents.shape).toEqual([2, 1, 4, 4]);
    expect(Array.from(model.decoded[0]!)).toEqual(Array.from(result.latents.samples));
    expect(result.imageShape).toEqual([2, 1, 8, 8]);
    expect(result.timings.loop.modelMs.length).toBe(4);
  });

  it('guidance 1 (or less) encodes the prompts alone and runs the unguided model (no doubled batch)', async () => {
    const model = new LengthModel();
    const result = await textToImage({ model, scheduler: DDIMScheduler.fromConfig({}), steps: 3, prompts: ['a cat'], guidanceScale: 1, height: 4, width: 4 });
    expect(model.encoded).toEqual([['a cat']]);
    expect(result.guidance).toBe('none');
  });

  it('a latent consistency model is guided by the embedding of w = scale − 1, one row per image, never by CFG', async () => {
    const embeddings: (Float32Array | undefined)[] = [];
    const model = new (class extends LengthModel {
      readonly guidanceEmbeddingDim = 8;
      override denoiser(conditioning: UNetConditioning, size: { height: number; width: number }): Denoiser {
        embeddings.push(conditioning.guidanceEmbedding);
        return super.denoiser(conditioning, size);
      }
    })();
    for (const guidanceScale of [8, 1]) {
      const result = await textToImage({ model, scheduler: DDIMScheduler.fromConfig({}), steps: 2, prompts: ['a cat', 'a dog'], negativePrompts: ['x', 'y'], guidanceScale, height: 4, width: 4 });
      expect(result.guidance).toBe('embedding');
      expect(result.latents.shape).toEqual([2, 1, 2, 2]);
    }
    // The negatives never reach the text encoder; the rows are the prompts alone.
    expect(model.encoded).toEqual([['a cat', 'a dog'], ['a cat', 'a dog']]);
    expect(Array.from(embeddings[0]!)).toEqual(Array.from(guidanceScaleEmbedding([7, 7], 8)));
    // Guidance 1 is w 0 (sines 0, cosines 1), not "no conditioning".
    expect(Array.from(embeddings[1]!)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('refuses a size that the VAE scale factor does not divide, before encoding anything', async () => {
    const model = new LengthModel();
    await expect(textToImage({ model, scheduler: DDIMScheduler.fromConfig({}), steps: 3, prompts: ['x'], guidanceScale: 7.5, height: 7, width: 8 })).rejects.toThrow(
      /height 7 must be a positive multiple of 2/,
    );
    expect(model.encoded).toEqual([]);
  });
});

describe('sample() from part-way (image-to-image)', () => {
  it('starts at the given model call from the given sample, drawing from the run generator before any step', async () => {
    const scheduler = DDIMScheduler.fromConfig({});
    const inner = new RowBiasDenoiser([0.1, 0.2]);
    const seen: number[] = [];
    const result = await sample({
      scheduler,
      denoiser: inner,
      steps: 10,
      seed: 4,
      batchSize: 2,
      start: {
        index: 6,
        sample: (rng, timestep) => {
          seen.push(timestep);
          expect(rng.perImage).toBe(false);
          return rng.randn([2, 1, 4, 4]);
        },
      },
    });
    expect(inner.calls).toHaveLength(4);
    const plan = DDIMScheduler.fromConfig({});
    plan.setTimesteps(10);
    expect(seen).toEqual([plan.timesteps[6]]);
    expect(Array.from(result.timesteps)).toEqual(Array.from(plan.timesteps.slice(6)));
  });

  it('refuses a start index past the plan, and start together with noise', async () => {
    const start = { index: 10, sample: () => new Float32Array(32) };
    await expect(sample({ scheduler: DDIMScheduler.fromConfig({}), denoiser: new RowBiasDenoiser([0, 0]), steps: 10, batchSize: 2, start })).rejects.toThrow(/start index 10 must be an integer in \[0, 9\]/);
    await expect(sample({ scheduler: DDIMScheduler.fromConfig({}), denoiser: new RowBiasDenoiser([0, 0]), steps: 10, noise: new Float32Array(32), start: { ...start, index: 1 } })).rejects.toThrow(
      /either noise \(x_T\) or start/,
    );
  });
});
