import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { buildComponent, DeepCacheBranchError, UNET_2D, UNET_2D_CONDITION, type BuiltComponent, type ComponentKind } from '@denoise/diffusers';

/**
 * The DeepCache cut on real graphs: the full forward built with a branch returns the same output as the plain build
 * and also the deep feature; the shallow forward, given that feature for the same x_t and t, recomputes the output
 * (only the part below the cut is skipped, so it must agree to float rounding). Every branch of the embedded
 * UNet2DModel, and the first ones of SD 1.x and SDXL's UNet2DConditionModel (SDXL's first level has no cross-attention:
 * its shallow forward leaves encoder_hidden_states unused, fed all the same).
 */
const SD = fileURLToPath(new URL('../../../fixtures/diffusers-sd/', import.meta.url));
const EMBEDDED = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));

interface Case<C, S> {
  readonly name: string;
  readonly kind: ComponentKind<C, S>;
  readonly dir: string;
  readonly feeds: (built: BuiltComponent<C, S>) => Record<string, ort.Tensor>;
}

const wave = (n: number, phase: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase));

const unet2D: Case<unknown, unknown> = {
  name: 'embedded UNet2DModel',
  kind: UNET_2D as ComponentKind<unknown, unknown>,
  dir: EMBEDDED,
  feeds: () => ({ sample: new ort.Tensor('float32', wave(2 * 32 * 32, 0), [2, 1, 32, 32]), timestep: new ort.Tensor('float32', Float32Array.of(400, 400), [2]) }),
};

function conditioned(folder: string): Case<unknown, unknown> {
  return {
    name: folder,
    kind: UNET_2D_CONDITION as ComponentKind<unknown, unknown>,
    dir: join(SD, folder, 'unet'),
    feeds: (built) => {
      const signature = built.signature as { encoderHiddenStates: { dim: number }; addedConditions?: { textEmbeds: { dim: number } } };
      const dim = signature.encoderHiddenStates.dim;
      const feeds: Record<string, ort.Tensor> = {
        sample: new ort.Tensor('float32', wave(4 * 16 * 16, 1), [1, 4, 16, 16]),
        timestep: new ort.Tensor('float32', Float32Array.of(601), [1]),
        encoder_hidden_states: new ort.Tensor('float32', wave(77 * dim, 2), [1, 77, dim]),
      };
      const added = signature.addedConditions;
      if (added) {
        feeds['text_embeds'] = new ort.Tensor('float32', wave(added.textEmbeds.dim, 3), [1, added.textEmbeds.dim]);
        feeds['time_ids'] = new ort.Tensor('float32', Float32Array.of(128, 128, 0, 0, 128, 128), [1, 6]);
      }
      return feeds;
    },
  };
}

async function build(c: Case<unknown, unknown>, deepCacheBranch?: number) {
  return buildComponent(c.kind, { configPath: join(c.dir, 'config.json'), weightsPath: join(c.dir, 'diffusion_pytorch_model.safetensors'), weightsFormat: 'safetensors' }, deepCacheBranch === undefined ? {} : { deepCacheBranch });
}

async function session(bytes: Uint8Array, folder: string | undefined): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3, ...(folder ? { extra: { session: { model_external_initializers_file_folder_path: folder } } } : {}) });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function checkBranch(c: Case<unknown, unknown>, plainOutput: Float32Array, branch: number) {
  const built = await build(c, branch);
  expect(built.shallow, 'a DeepCache build has a shallow forward').toBeDefined();
  const full = await session(built.bytes, built.externalDataFolder);
  const shallow = await session(built.shallow!.bytes, built.externalDataFolder);
  try {
    const feeds = c.feeds(built);
    const results = await full.run(feeds);
    const output = results['out_sample']!.data as Float32Array;
    expect(maxAbsDiff(output, plainOutput), `${c.name} branch ${branch}: the full forward's output`).toBeLessThanOrEqual(1e-6);
    const feature = results['deep_feature']!;
    const again = (await shallow.run({ ...feeds, deep_feature: feature }))['out_sample']!.data as Float32Array;
    expect(maxAbsDiff(again, output), `${c.name} branch ${branch}: the shallow forward on the full call's feature`).toBeLessThanOrEqual(2e-5);
    expect(shallow.inputNames).toContain('deep_feature');
    return { shallowParameters: built.shallow!.parameterCount, total: built.parameterCount };
  } finally {
    await full.release();
    await shallow.release();
  }
}

describe('DeepCache graphs', () => {
  for (const [c, branches] of [
    [unet2D, [0, 1, 2, 3, 4, 5]],
    [conditioned('sd1-tiny'), [0, 2]],
    [conditioned('sdxl-tiny'), [0, 1]],
  ] as const) {
    it(`${c.name}: the shallow forward on the deep feature reproduces the full output (branches ${branches.join(', ')})`, async () => {
      const plain = await build(c);
      const plainSession = await session(plain.bytes, plain.externalDataFolder);
      const plainOutput = (await plainSession.run(c.feeds(plain)))['out_sample']!.data as Float32Array;
      await plainSession.release();
      let previous = 0;
      for (const branch of branches) {
        const { shallowParameters, total } = await checkBranch(c, plainOutput, branch);
        // A deeper cut leaves more of the model to the shallow forward, never all of it.
        expect(shallowParameters).toBeGreaterThan(previous);
        expect(shallowParameters).toBeLessThan(total);
        previous = shallowParameters;
      }
    });
  }

  it('refuses a branch beyond the model, naming the allowed range', async () => {
    const error = await build(unet2D, 6).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeepCacheBranchError);
    expect((error as DeepCacheBranchError).allowed).toBe('an integer 0 … 5');
    expect((error as Error).message).toMatch(/branch 6 is beyond this UNet: it has 6 skip connections/);
  });
});
