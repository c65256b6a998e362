/**
 * Runs a golden case through the one sampling loop (@denoise/sampler) on the model the case names, the
 * same way for the check, the determinism re-runs, the fresh process and `--update`.
 */
import { repositoryModelOptions } from '@denoise/repo-layout';
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { readNpy } from '@denoise/image';
import { loadModel, onnxruntimeVersion, type GpuAdapterInfo, type LoadedModel } from '@denoise/runtime';
import { createScheduler, sample } from '@denoise/sampler';
import { cpuFingerprint } from './cpu-fingerprint.js';
import type { GoldenCase, GoldenExecutionProvider, GoldenRuntime } from './golden-manifest.js';

export interface GoldenRun {
  readonly caseName: string;
  /** x_0, NCHW float32. */
  readonly samples: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** sha256 of the float32 bytes of `samples`: what the determinism checks compare. */
  readonly floatSha256: string;
  readonly modelPath: string;
  readonly modelSha256: string;
  /** The commit an `hf:` model resolved to. */
  readonly modelRevision?: string;
  readonly onnxruntime: string;
  /** Where it ran: cpuFingerprint() and onnxruntime's intra-op threads. */
  readonly cpu: string;
  readonly threads: number;
  /** The provider the model ran on; absent means 'cpu' (runs made before cases could leave the CPU). */
  readonly executionProvider?: GoldenExecutionProvider;
  /** With webgpu: the adapter, as the machine tells it (lavapipe is marked software). */
  readonly adapter?: GpuAdapterInfo;
  /** The sampling loop alone; the model's load (and, on webgpu, its first shader compilation) is not in it. */
  readonly wallMs: number;
}

/** Loads each model once (by path) and runs cases on it; `dispose()` releases the sessions. */
export class GoldenRunner {
  readonly #runtime: GoldenRuntime;
  readonly #rootDir: string;
  /** By provider and path: a webgpu case and a cpu case on one model have a session each. */
  readonly #models = new Map<string, Promise<LoadedModel>>();

  constructor(runtime: GoldenRuntime, rootDir: string) {
    this.#runtime = runtime;
    this.#rootDir = rootDir;
  }

  async run(goldenCase: GoldenCase): Promise<GoldenRun> {
    const model = await this.#model(goldenCase.model, goldenCase.executionProvider ?? this.#runtime.executionProvider);
    if (model.schedulerConfig === undefined) {
      throw new Error(`golden case '${goldenCase.name}': no scheduler_config.json found with ${model.modelPath}`);
    }
    const scheduler = createScheduler(goldenCase.sampler, model.schedulerConfig, {
      ...goldenCase.schedulerOverrides,
      timestep_spacing: goldenCase.timestepSpacing,
    });
    const noise = goldenCase.noise === undefined ? undefined : await this.#noise(goldenCase);
    const started = performance.now();
    let result;
    try {
      result = await sample({
        scheduler,
        denoiser: model.denoiser.forClassLabels(goldenCase.classLabels, goldenCase.batch),
        steps: goldenCase.steps,
        ...(goldenCase.sampler === 'ddim' ? { eta: goldenCase.eta } : {}),
        ...(noise ? { noise } : { batchSize: goldenCase.batch }),
        seed: goldenCase.seed,
        generator: goldenCase.generator,
      });
    } catch (error) {
      throw new Error(`golden case '${goldenCase.name}' (${model.modelPath}): ${(error as Error).message}`, { cause: error });
    }
    return {
      caseName: goldenCase.name,
      samples: result.samples,
      shape: result.shape,
      floatSha256: floatSha256(result.samples),
      modelPath: model.modelPath,
      modelSha256: model.sha256,
      ...(model.hub ? { modelRevision: model.hub.commit } : {}),
      onnxruntime: onnxruntimeVersion(),
      cpu: cpuFingerprint(),
      threads: this.#runtime.threads,
      executionProvider: model.executionProvider as GoldenExecutionProvider,
      ...(model.adapter ? { adapter: model.adapter } : {}),
      wallMs: performance.now() - started,
    };
  }

  async dispose(): Promise<void> {
    const models = [...this.#models.values()];
    this.#models.clear();
    for (const loaded of await Promise.allSettled(models)) if (loaded.status === 'fulfilled') await loaded.value.dispose();
  }

  #model(path: string, executionProvider: GoldenExecutionProvider): Promise<LoadedModel> {
    // A model reference (hf:…, synthetic:…) is not a path under the repository.
    const absolute = /^[a-z]+:/.test(path) ? path : this.#resolve(path);
    const key = `${executionProvider} ${absolute}`;
    let model = this.#models.get(key);
    if (model === undefined) {
      model = loadModel(absolute, { executionProvider, threads: this.#runtime.threads, ...repositoryModelOptions() });
      this.#models.set(key, model);
      // A failed load is not cached: the next run tries again (and says why again).
      model.catch(() => this.#models.delete(key));
    }
    return model;
  }

  async #noise(goldenCase: GoldenCase): Promise<Float32Array> {
    const path = this.#resolve(goldenCase.noise as string);
    const array = await readNpy(path);
    const [n] = array.shape;
    if (array.dtype !== 'float32' || array.shape.length !== 4 || n !== goldenCase.batch) {
      throw new Error(
        `golden case '${goldenCase.name}': noise ${path} is ${array.dtype} [${array.shape.join(', ')}]; ` +
          `expected float32 [${goldenCase.batch}, C, H, W] (batch ${goldenCase.batch})`,
      );
    }
    return array.data as Float32Array;
  }

  #resolve(path: string): string {
    return isAbsolute(path) ? path : resolve(this.#rootDir, path);
  }
}

export function floatSha256(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}
