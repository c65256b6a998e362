// The one loop with LCMScheduler reproduces diffusers' LatentConsistencyModelPipeline runs (fixtures/diffusers-sd/
// lcm-tiny, e2e cases) when the UNet is replaced by the outputs it gave: the sampler a config's _class_name picks,
// the timesteps (original_inference_steps from the call as a config override), the torch generator's draws at every
// step but the last, and the last `denoised` as the result, within the README's e2e rule 1e-4 · max(1, max|ref|).
// The "UNet" returns the ε that maps diffusers' x_t at step k to its `denoised` at step k (teacher forcing).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '@denoise/image';
import { LCMScheduler, parsePythonJson, TorchGenerator } from '@denoise/schedule';
import { createScheduler, defaultSamplerFor } from '../src/create-scheduler.js';
import type { Denoiser } from '../src/denoiser.js';
import { sample } from '../src/sample.js';

const FOLDER = fileURLToPath(new URL('../../../fixtures/diffusers-sd/lcm-tiny/', import.meta.url));
const schedulerConfig = parsePythonJson(readFileSync(join(FOLDER, 'scheduler/scheduler_config.json'), 'utf8'));

interface E2eCase {
  readonly name: string;
  readonly call: { readonly num_inference_steps: number; readonly original_inference_steps: number | null; readonly generator: string };
  readonly timesteps: readonly number[];
  readonly inputs: Record<string, { readonly file: string; readonly shape: readonly number[] }>;
  readonly outputs: Record<string, { readonly file: string; readonly shape: readonly number[] }>;
}
const { cases } = (JSON.parse(readFileSync(join(FOLDER, 'cases.json'), 'utf8')) as { components: { e2e: { cases: E2eCase[] } } }).components.e2e;

const float32 = async (file: string): Promise<Float32Array> => {
  const array = await readNpy(join(FOLDER, file));
  if (array.dtype !== 'float32') throw new Error(`${file}: ${array.dtype}, expected float32`);
  return array.data;
};

/** max|a − e| / max(1, max|e|). */
function relativeMax(actual: ArrayLike<number>, expected: Float32Array): number {
  let delta = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    delta = Math.max(delta, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return delta / scale;
}

/** Returns, at call k, the ε with which diffusers' step maps trajectory[k] to denoised[k]; records its inputs. */
class ReplayUNet implements Denoiser {
  readonly spec;
  readonly inputs: Float32Array[] = [];
  readonly timesteps: number[] = [];
  constructor(
    shape: readonly number[],
    private readonly scheduler: LCMScheduler,
    private readonly trajectory: Float32Array,
    private readonly denoised: Float32Array,
  ) {
    this.spec = { channels: shape[1]!, height: shape[2]!, width: shape[3]!, outputChannels: shape[1]! };
  }

  async predict(input: Float32Array, timestep: number): Promise<Float32Array> {
    const k = this.inputs.length;
    this.inputs.push(input.slice());
    this.timesteps.push(timestep);
    const n = input.length;
    const x = this.trajectory.subarray(k * n, (k + 1) * n);
    const d = this.denoised.subarray(k * n, (k + 1) * n);
    const a = this.scheduler.alphasCumprod[timestep]!;
    const { cSkip, cOut } = this.scheduler.boundaryScalings(timestep);
    // denoised = c_skip·x + c_out·x0 and x0 = (x − √(1−ᾱ)·ε)/√ᾱ, solved for ε.
    return x.map((xi, i) => (xi - (Math.sqrt(a) * (d[i]! - cSkip * xi)) / cOut) / Math.sqrt(1 - a));
  }
}

const worst = { latents: 0, noise: 0 };
afterAll(() => console.info(`LCM pipeline replay: latents ${worst.latents.toExponential(2)} (rule 1e-4), step noise ${worst.noise.toExponential(2)} (rule 2e-5), relative to max(1, max|ref|)`));

describe('sample() with LCMScheduler reproduces LatentConsistencyModelPipeline (UNet outputs replayed)', () => {
  it('has the six e2e cases, and the folder’s config picks lcm', () => {
    expect(cases.length).toBe(6);
    expect(defaultSamplerFor(schedulerConfig)).toBe('lcm');
  });

  for (const c of cases) {
    it(`${c.name}: timesteps ${c.timesteps.join(', ')}`, async () => {
      const shape = c.inputs['latents_in']!.shape;
      const original = c.call.original_inference_steps;
      const scheduler = createScheduler('lcm', schedulerConfig, original === null ? {} : { original_inference_steps: original });
      expect(scheduler).toBeInstanceOf(LCMScheduler);
      const trajectory = await float32(c.outputs['trajectory']!.file);
      const denoised = await float32(c.outputs['denoised']!.file);
      const unet = new ReplayUNet(shape, scheduler as LCMScheduler, trajectory, denoised);
      const seed = Number(/manual_seed\((\d+)\)/.exec(c.call.generator)![1]);
      const result = await sample({ scheduler, denoiser: unet, steps: c.call.num_inference_steps, noise: await float32(c.inputs['latents_in']!.file), seed });

      expect(unet.timesteps).toEqual(c.timesteps);
      const n = result.samples.length;
      unet.inputs.forEach((input, k) => {
        expect(relativeMax(input, trajectory.subarray(k * n, (k + 1) * n)), `input of call ${k}`).toBeLessThanOrEqual(1e-4);
      });
      const latents = relativeMax(result.samples, await float32(c.outputs['latents']!.file));
      worst.latents = Math.max(worst.latents, latents);
      expect(latents).toBeLessThanOrEqual(1e-4);

      // The step noise: draws 0 … S−2 of the seeded generator (x_T is given, so nothing is drawn before them).
      const steps = c.call.num_inference_steps;
      expect(c.outputs['noise'] === undefined).toBe(steps === 1);
      if (c.outputs['noise'] !== undefined) {
        const noise = await float32(c.outputs['noise'].file);
        const generator = new TorchGenerator(seed);
        for (let k = 0; k < steps - 1; k++) {
          const e = relativeMax(generator.randn(shape), noise.subarray(k * n, (k + 1) * n));
          worst.noise = Math.max(worst.noise, e);
          expect(e, `draw ${k}`).toBeLessThanOrEqual(2e-5);
        }
      }
    });
  }
});
