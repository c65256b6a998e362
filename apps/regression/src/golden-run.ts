/**
 * Runs a golden case through the one sampling loop (@denoise/sampler) on the model the case names, the
 * same way for the check, the determinism re-runs, the fresh process and `--update`.
 */
import { repositoryModelOptions } from '@denoise/repo-layout';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readNpy } from '@denoise/image';
import { onnxruntimeVersion, openModel, type GpuAdapterInfo, type OpenedModel } from '@denoise/runtime';
import { createScheduler, repeatPerImage, sample, textToImage, type SampleOptions } from '@denoise/sampler';
import { cpuFingerprint } from './cpu-fingerprint.js';
import type { GoldenCase, GoldenExecutionProvider, GoldenRuntime } from './golden-manifest.js';

export interface GoldenRun {
  readonly caseName: string;
  /** x_0 (a text-to-image pipeline: the decoded images), NCHW float32 in about [-1, 1]. */
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
  /** A text-to-image case: the guidance scale it ran at (the case's, else the pipeline's default). */
  readonly guidanceScale?: number;
  /** The sampling loop alone; the model's load (and, on webgpu, its first shader compilation) is not in it. */
  readonly wallMs: number;
}

/** Where a runner finds the files its cases name. */
export interface GoldenRunnerOptions {
  /**
   * The manifest the cases come from: a case's `model` and `noise` paths are relative to its folder (the one
   * rule, for the repository's fixtures/golden/manifest.json and a model maintainer's goldens alike);
   * absolute paths and model references (hf:…, synthetic:…) are taken as they are.
   */
  readonly manifestPath: string;
}

/** Loads each model once (by path) and runs cases on it; `dispose()` releases the sessions. */
export class GoldenRunner {
  readonly #runtime: GoldenRuntime;
  /** The manifest's folder: relative model and noise paths resolve against it. */
  readonly #baseDir: string;
  /** By provider, path and DeepCache settings: a webgpu case and a cpu case on one model have a session each. */
  readonly #models = new Map<string, Promise<OpenedModel>>();

  constructor(runtime: GoldenRuntime, options: GoldenRunnerOptions) {
    this.#runtime = runtime;
    this.#baseDir = manifestDir(options.manifestPath);
  }

  async run(goldenCase: GoldenCase): Promise<GoldenRun> {
    const model = await this.#model(goldenCase.model, goldenCase.executionProvider ?? this.#runtime.executionProvider, goldenCase.deepCache);
    if (model.schedulerConfig === undefined) {
      throw new Error(`golden case '${goldenCase.name}': no scheduler_config.json found with ${model.modelPath}`);
    }
    const scheduler = createScheduler(goldenCase.sampler, model.schedulerConfig, {
      ...goldenCase.schedulerOverrides,
      timestep_spacing: goldenCase.timestepSpacing,
    });
    const noise = goldenCase.noise === undefined ? undefined : await this.#noise(goldenCase);
    const loop: Omit<SampleOptions, 'denoiser'> = {
      scheduler,
      steps: goldenCase.steps,
      ...(goldenCase.sampler === 'ddim' ? { eta: goldenCase.eta } : {}),
      ...(noise ? { noise } : {}),
      seed: goldenCase.seed,
      generator: goldenCase.generator,
    };
    const started = performance.now();
    let result: { readonly samples: Float32Array; readonly shape: readonly [number, number, number, number]; readonly guidanceScale?: number };
    try {
      result = await this.#sample(model, goldenCase, loop);
    } catch (error) {
      throw new Error(`golden case '${goldenCase.name}' (${model.modelPath}): ${(error as Error).message}`, { cause: error });
    }
    return {
      caseName: goldenCase.name,
      samples: result.samples,
      shape: result.shape,
      ...(result.guidanceScale !== undefined ? { guidanceScale: result.guidanceScale } : {}),
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

  /** The case's images: the one loop on an unconditional model; encode → loop → decode on a text-to-image pipeline. */
  async #sample(model: OpenedModel, goldenCase: GoldenCase, loop: Omit<SampleOptions, 'denoiser'>) {
    if (model.kind === 'unconditional') {
      if (goldenCase.prompt !== undefined) throw new Error(`the model is unconditional; the case's prompt cannot apply`);
      return sample({ ...loop, denoiser: model.denoiser.forClassLabels(goldenCase.classLabels, goldenCase.batch), ...(loop.noise ? {} : { batchSize: goldenCase.batch }) });
    }
    if (goldenCase.prompt === undefined) throw new Error(`${model.pipelineClass} is a text-to-image pipeline: the case needs a prompt`);
    const size = model.defaultSize;
    if (!size) throw new Error(`${model.pipelineClass}: the UNet config has no sample_size to make the images at`);
    const guidanceScale = goldenCase.guidanceScale ?? model.defaultGuidanceScale;
    const generated = await textToImage({
      ...loop,
      model: model.textToImageModel(),
      prompts: repeatPerImage([goldenCase.prompt], goldenCase.batch),
      negativePrompts: new Array<string | null>(goldenCase.batch).fill(goldenCase.negativePrompt ?? null),
      guidanceScale,
      height: size.height,
      width: size.width,
    });
    return { samples: generated.images, shape: generated.imageShape, guidanceScale };
  }

  async dispose(): Promise<void> {
    const models = [...this.#models.values()];
    this.#models.clear();
    for (const loaded of await Promise.allSettled(models)) if (loaded.status === 'fulfilled') await loaded.value.dispose();
  }

  #model(path: string, executionProvider: GoldenExecutionProvider, deepCache: GoldenCase['deepCache']): Promise<OpenedModel> {
    // A model reference (hf:…, synthetic:…) is not a path relative to the manifest.
    const absolute = /^[a-z]+:/.test(path) ? path : this.#resolve(path);
    const key = `${executionProvider} ${absolute}${deepCache ? ` deepcache ${JSON.stringify(deepCache)}` : ''}`;
    let model = this.#models.get(key);
    if (model === undefined) {
      model = openModel(absolute, { executionProvider, threads: this.#runtime.threads, ...repositoryModelOptions(), ...(deepCache ? { deepCache } : {}) });
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
    return isAbsolute(path) ? path : resolve(this.#baseDir, path);
  }
}

/** The folder a manifest's relative paths (model, noise) resolve against, and where its golden PNGs lie. */
export function manifestDir(manifestPath: string): string {
  return dirname(resolve(manifestPath));
}

export function floatSha256(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}
