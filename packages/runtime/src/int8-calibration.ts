import * as ort from 'onnxruntime-node';
import { createScheduler, sample, type Denoiser, type DenoiserSpec } from '@denoise/sampler';
import type { ActivationRange, BuiltUNetModel } from '@denoise/diffusers';
import { ActivationRangeObserver } from './activation-range-observer.js';
import { createSession } from './create-session.js';
import type { Int8Config } from './int8-options.js';

export interface CalibrationResult {
  readonly ranges: ReadonlyMap<string, ActivationRange>;
  /** Model calls observed (runs × the sampler's calls per run). */
  readonly calls: number;
}

/**
 * Measures the activation ranges of a probe model (a UNet2DModel graph with withActivationProbes' extra outputs) on
 * its own sampling trajectories: `runs` seeded runs (seed, seed + 1, …) of `steps` steps at batch 1, with the sampler
 * made from the model's scheduler config, every probe observed at every model call.
 */
export async function calibrateActivationRanges(
  probe: BuiltUNetModel,
  schedulerConfig: unknown,
  size: { readonly height: number; readonly width: number },
  config: Int8Config,
  threads: number | undefined,
): Promise<CalibrationResult> {
  const session = await createSession({ bytes: probe.bytes, ...(probe.externalDataFolder ? { externalDataFolder: probe.externalDataFolder } : {}) }, probe.folder.unetDir, {
    executionProvider: 'cpu',
    ...(threads !== undefined ? { threads } : {}),
  });
  try {
    const denoiser = new ProbeDenoiser(session, probe, size, new ActivationRangeObserver(config.method));
    const started = performance.now();
    for (let run = 0; run < config.runs; run++) {
      const scheduler = createScheduler(config.sampler, schedulerConfig);
      await sample({ scheduler, denoiser, steps: config.steps, seed: config.seed + run, batchSize: 1 });
      if (run + 1 < config.runs) {
        const elapsed = (performance.now() - started) / 1000;
        config.log?.(`int8 calibration: run ${run + 1}/${config.runs} done in ${elapsed.toFixed(0)} s, ETA ${((elapsed * (config.runs - run - 1)) / (run + 1)).toFixed(0)} s`);
      }
    }
    return { ranges: denoiser.observer.observed, calls: denoiser.calls };
  } finally {
    await session.release();
  }
}

/** The probe model as a Denoiser: returns its prediction and hands every probe output to the observer. */
class ProbeDenoiser implements Denoiser {
  readonly spec: DenoiserSpec;
  calls = 0;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly probe: BuiltUNetModel,
    size: { readonly height: number; readonly width: number },
    readonly observer: ActivationRangeObserver,
  ) {
    const { signature } = probe;
    this.spec = { channels: signature.sample.channels, height: size.height, width: size.width, outputChannels: signature.output.channels };
  }

  async predict(x: Float32Array, timestep: number): Promise<Float32Array> {
    const { signature } = this.probe;
    const { channels, height, width } = this.spec;
    const batch = x.length / (channels * height * width);
    const t =
      signature.timestep.dtype === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(batch).fill(BigInt(Math.round(timestep))), [batch])
        : new ort.Tensor('float32', new Float32Array(batch).fill(timestep), [batch]);
    const outputs = await this.session.run({ [signature.sample.name]: new ort.Tensor('float32', x, [batch, channels, height, width]), [signature.timestep.name]: t });
    this.calls++;
    for (const [name, value] of Object.entries(outputs)) {
      if (name !== signature.output.name) this.observer.observe(name, value.data as Float32Array);
    }
    return outputs[signature.output.name]!.data as Float32Array;
  }
}
