import * as ort from 'onnxruntime-node';
import { InputError, type DenoiserSpec, type ModelCall } from '@denoise/sampler';
import { DEEP_FEATURE, float16ToFloat32, float32ToFloat16, toFloat16Bits } from '@denoise/diffusers';
import { isFullCall, type DeepCacheOptions } from './deep-cache-schedule.js';
import type { DeepCacheSessions } from './deep-cache-sessions.js';
import { ModelLoadError } from './model-errors.js';
import type { ModelSignature } from './model-signature.js';
import type { ConditioningFeed, OnnxDenoiser } from './onnx-denoiser.js';

/**
 * What a denoiser is bound to besides its session: a class-conditional model's labels (one for the whole batch or one
 * per image, see withClassLabels), a text-conditioned UNet's conditioning rows, DeepCache's shallow session.
 */
export interface Bindings {
  readonly classLabels?: readonly number[];
  readonly conditioning?: { readonly rows: number; readonly feeds: Readonly<Record<string, ort.Tensor>> };
  readonly deepCache?: DeepCacheSessions | undefined;
}

/**
 * OnnxDenoiser over an onnxruntime session. It adapts the boundary (float16 sample, the timestep's dtype and
 * layout, the output by name) so that the sampling loop and the scheduler always see float32.
 * Input tensors are cached per buffer and batch size and refilled in place: a step allocates nothing beyond
 * what onnxruntime returns (and, for float16 models, nothing at all after the first step).
 */
export class SessionDenoiser implements OnnxDenoiser {
  readonly spec: DenoiserSpec;
  private readonly sampleTensors = new Map<Float32Array, ort.Tensor>();
  private readonly timestepTensors = new Map<number, ort.Tensor>();
  private readonly halfBuffers = new Map<number, { input: ort.Tensor; output: Float32Array }>();
  private readonly labelTensors = new Map<number, ort.Tensor>();
  private readonly perImage: number;
  /** DeepCache: the deep feature of the last full call, and each run length's full calls. */
  private deepFeature: ort.Tensor | undefined;
  private readonly fullCallMemo = new Map<number, boolean[]>();

  constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
    private readonly modelPath: string,
    private readonly bindings: Bindings = {},
  ) {
    this.spec = {
      channels: signature.channels,
      height: signature.height,
      width: signature.width,
      outputChannels: signature.outputChannels,
      fixedBatchSize: bindings.conditioning?.rows ?? signature.fixedBatchSize,
    };
    this.perImage = signature.channels * signature.height * signature.width;
  }

  withClassLabels(labels: readonly number[]): OnnxDenoiser {
    const input = this.signature.classLabels;
    if (!input) throw new InputError('classLabels', labels, 'none', `${this.modelPath}: the model is not class-conditional; it takes no class labels`);
    if (input.dtype === 'float32') {
      throw new InputError('classLabels', labels, 'class embedding vectors', `${this.modelPath}: the model's '${input.name}' input takes class embedding vectors [B, ${input.width ?? '?'}] (class_embed_type 'identity'), not class indices`);
    }
    if (labels.length === 0) throw new InputError('classLabels', labels, 'at least one label', `${this.modelPath}: no class labels given`);
    for (const label of labels) {
      if (!Number.isInteger(label) || label < 0 || (input.count !== undefined && label >= input.count)) {
        const allowed = input.count !== undefined ? `0 … ${input.count - 1}` : 'an integer ≥ 0';
        throw new InputError('classLabels', label, allowed, `${this.modelPath}: class label ${label} is out of range; the model takes ${allowed}`);
      }
    }
    return new SessionDenoiser(this.session, this.signature, this.modelPath, { ...this.bindings, classLabels: [...labels] });
  }

  conditionedOn(rows: number, feeds: readonly ConditioningFeed[]): OnnxDenoiser {
    const inputs = this.signature.conditioning ?? [];
    if (inputs.length === 0) throw new RangeError(`${this.modelPath}: the model takes no conditioning inputs`);
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`${this.modelPath}: conditioning rows must be an integer ≥ 1, got ${rows}`);
    const fixed = this.signature.fixedBatchSize;
    if (fixed !== undefined && fixed !== rows) throw new RangeError(`${this.modelPath}: the model is fixed to batch ${fixed}; conditioning has ${rows} rows`);
    const tensors: Record<string, ort.Tensor> = {};
    for (const input of inputs) {
      const feed = feeds.find((f) => f.name === input.name);
      if (!feed) throw new RangeError(`${this.modelPath}: conditioning input '${input.name}' is not given (given: ${feeds.map((f) => f.name).join(', ') || 'none'})`);
      const declared = input.rowShape;
      if (feed.rowDims.length !== declared.length || feed.rowDims.some((d, i) => typeof declared[i] === 'number' && declared[i] !== d)) {
        throw new RangeError(`${this.modelPath}: conditioning input '${input.name}' rows are [${feed.rowDims.join(', ')}], the model takes [${declared.join(', ')}]`);
      }
      const perRow = feed.rowDims.reduce((a, b) => a * b, 1);
      if (feed.data.length !== rows * perRow) {
        throw new RangeError(`${this.modelPath}: conditioning input '${input.name}' has ${feed.data.length} values for ${rows} rows of ${perRow}`);
      }
      tensors[input.name] = new ort.Tensor('float32', feed.data, [rows, ...feed.rowDims]);
    }
    const unknown = feeds.find((f) => !inputs.some((i) => i.name === f.name));
    if (unknown) throw new RangeError(`${this.modelPath}: the model has no conditioning input '${unknown.name}' (it takes ${inputs.map((i) => i.name).join(', ')})`);
    return new SessionDenoiser(this.session, this.signature, this.modelPath, { ...this.bindings, conditioning: { rows, feeds: tensors } });
  }

  forClassLabels(labels: readonly number[] | undefined, batchSize: number): OnnxDenoiser {
    const input = this.signature.classLabels;
    if (!input) {
      if (labels) throw new InputError('classLabels', labels, 'none', `${this.modelPath} is not class-conditional; it takes no class labels`);
      return this;
    }
    if (!labels) {
      const range = input.count !== undefined ? ` (0 … ${input.count - 1})` : '';
      throw new InputError('classLabels', labels, `one label${range} for all images or one per image`, `${this.modelPath} is class-conditional: give a class label${range}, one for all images or one per image`);
    }
    if (labels.length !== 1 && labels.length !== batchSize) {
      throw new InputError('classLabels', labels, `1 or ${batchSize} labels`, `${labels.length} class labels for a batch of ${batchSize}; give one label or one per image`);
    }
    return this.withClassLabels(labels);
  }

  /** With DeepCache: whether this call reuses the deep feature (the shallow forward) rather than computing it. */
  private reusesDeepFeature(call: ModelCall | undefined, batchSize: number): boolean {
    if (!this.bindings.deepCache || this.deepFeature?.dims[0] !== batchSize) return false;
    return !isFullCall(call, this.bindings.deepCache.options, this.fullCallMemo);
  }

  async predict(sample: Float32Array, timestep: number, call?: ModelCall): Promise<Float32Array> {
    const batchSize = this.batchSizeOf(sample);
    return this.compute(sample, batchSize, timestep, this.reusesDeepFeature(call, batchSize));
  }

  /** One call; `shallow`: DeepCache's shallow forward on the kept deep feature (else the full forward keeps a new one). */
  private async compute(sample: Float32Array, batchSize: number, timestep: number, shallow: boolean): Promise<Float32Array> {
    const feeds = {
      [this.signature.sampleInput]: this.sampleTensor(sample, batchSize),
      [this.signature.timestepInput]: this.timestepTensor(timestep, batchSize),
      ...this.conditioningFeeds(batchSize),
    };
    let output: ort.Tensor;
    try {
      output = await this.run(feeds, shallow);
    } catch (error) {
      throw new Error(`${this.modelPath}: inference failed at timestep ${timestep}, batch ${batchSize}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // The dims, not only the element count: [B, 1, 4, 16] or [B, 64] for a [B, 1, 8, 8] sample is a model that
    // computes something else, whose output would be read as if it were laid out as the sample.
    const expected = [batchSize, this.signature.outputChannels, this.signature.height, this.signature.width];
    if (output.dims.length !== expected.length || output.dims.some((d, i) => d !== expected[i])) {
      throw new ModelLoadError(
        this.modelPath,
        `output '${this.signature.output}' has shape [${output.dims.join(', ')}], expected [${expected.join(', ')}] ` +
          `(batch, output channels, height, width of the sample)`,
      );
    }
    if (output.type === 'float32') return output.data as Float32Array;
    const half = this.halfBuffers.get(batchSize)!;
    return float16ToFloat32(output.data as Uint16Array, half.output);
  }

  private async run(feeds: Record<string, ort.Tensor>, shallow: boolean): Promise<ort.Tensor> {
    const output = this.signature.output;
    if (!this.bindings.deepCache) return (await this.session.run(feeds, [output]))[output]!;
    if (shallow) {
      return (await this.bindings.deepCache.shallow.run({ ...feeds, [DEEP_FEATURE]: this.deepFeature! }, [output]))[output]!;
    }
    const results = await this.session.run(feeds, [output, DEEP_FEATURE]);
    this.deepFeature = results[DEEP_FEATURE];
    return results[output]!;
  }

  /** A bare `session.run` (see OnnxDenoiser.bareRun). */
  bareRun(sample: Float32Array, timestep: number): () => Promise<void> {
    const batchSize = this.batchSizeOf(sample);
    const feeds = {
      [this.signature.sampleInput]: this.sampleTensor(sample.slice(), batchSize),
      [this.signature.timestepInput]: this.timestepTensor(timestep, batchSize),
      ...this.conditioningFeeds(batchSize),
    };
    const outputs = [this.signature.output];
    return async () => {
      await this.session.run(feeds, outputs);
    };
  }

  get deepCacheOptions(): DeepCacheOptions | undefined {
    return this.bindings.deepCache?.options;
  }

  async warmup(batchSize: number): Promise<void> {
    const zeros = new Float32Array(batchSize * this.perImage);
    await this.predict(zeros, 0);
    if (this.bindings.deepCache) {
      await this.compute(zeros, batchSize, 0, true); // the shallow session, on the feature the full call kept
      this.deepFeature = undefined;
    }
    this.sampleTensors.delete(zeros);
  }

  async dispose(): Promise<void> {
    this.sampleTensors.clear();
    this.deepFeature = undefined;
    await this.session.release();
    await this.bindings.deepCache?.shallow.release();
  }

  /** Class labels and the bound conditioning rows; refuses a conditional model that was not conditioned. */
  private conditioningFeeds(batchSize: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = this.signature.classLabels ? { [this.signature.classLabels.name]: this.labelTensor(batchSize) } : {};
    const inputs = this.signature.conditioning;
    if (!inputs) return feeds;
    if (!this.bindings.conditioning) {
      throw new RangeError(`${this.modelPath}: the model is conditioned on ${inputs.map((i) => i.name).join(', ')}; bind them first (conditionedOn)`);
    }
    return { ...feeds, ...this.bindings.conditioning.feeds };
  }

  private batchSizeOf(sample: Float32Array): number {
    const batchSize = sample.length / this.perImage;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `${this.modelPath}: a sample of ${sample.length} elements is not a whole batch of ` +
          `${this.signature.channels}×${this.signature.height}×${this.signature.width} images`,
      );
    }
    const fixed = this.spec.fixedBatchSize;
    if (fixed !== undefined && fixed !== batchSize) {
      const why = this.bindings.conditioning ? `conditioned on ${fixed} row(s)` : `fixed to batch ${fixed}`;
      throw new RangeError(`${this.modelPath}: the model is ${why}, got a batch of ${batchSize}`);
    }
    return batchSize;
  }

  private dims(batchSize: number): number[] {
    return [batchSize, this.signature.channels, this.signature.height, this.signature.width];
  }

  private sampleTensor(sample: Float32Array, batchSize: number): ort.Tensor {
    if (this.signature.sampleDtype === 'float16') {
      let half = this.halfBuffers.get(batchSize);
      if (!half) {
        const input = new ort.Tensor('float16', new Uint16Array(sample.length), this.dims(batchSize));
        half = { input, output: new Float32Array(batchSize * this.signature.outputChannels * this.signature.height * this.signature.width) };
        this.halfBuffers.set(batchSize, half);
      }
      float32ToFloat16(sample, half.input.data as Uint16Array);
      return half.input;
    }
    // float32: wrap the caller's buffer without a copy; the loop alternates two buffers, so the cache stays small.
    let tensor = this.sampleTensors.get(sample);
    if (!tensor) {
      if (this.sampleTensors.size >= 4) this.sampleTensors.clear();
      tensor = new ort.Tensor('float32', sample, this.dims(batchSize));
      this.sampleTensors.set(sample, tensor);
    }
    return tensor;
  }

  private labelTensor(batchSize: number): ort.Tensor {
    const input = this.signature.classLabels!;
    const labels = this.bindings.classLabels;
    if (!labels) {
      throw new RangeError(`${this.modelPath}: the model is class-conditional (input '${input.name}'); give class labels`);
    }
    if (labels.length !== 1 && labels.length !== batchSize) {
      throw new RangeError(`${this.modelPath}: ${labels.length} class labels for a batch of ${batchSize}; give one label or one per image`);
    }
    let tensor = this.labelTensors.get(batchSize);
    if (!tensor) {
      const values = Array.from({ length: batchSize }, (_, i) => labels[labels.length === 1 ? 0 : i]!);
      tensor =
        input.dtype === 'int32'
          ? new ort.Tensor('int32', Int32Array.from(values), [batchSize])
          : new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [batchSize]);
      this.labelTensors.set(batchSize, tensor);
    }
    return tensor;
  }

  private timestepTensor(timestep: number, batchSize: number): ort.Tensor {
    const count = this.signature.timestepLayout === 'per-item' ? batchSize : 1;
    let tensor = this.timestepTensors.get(count);
    if (!tensor) {
      const dims = this.signature.timestepLayout === 'scalar' ? [] : [count];
      tensor = createTimestepTensor(this.signature.timestepDtype, count, dims);
      this.timestepTensors.set(count, tensor);
    }
    fillTimestep(tensor, timestep);
    return tensor;
  }
}

function createTimestepTensor(dtype: ModelSignature['timestepDtype'], count: number, dims: number[]): ort.Tensor {
  switch (dtype) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(count), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(count), dims);
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(count), dims);
    case 'float16':
      return new ort.Tensor('float16', new Uint16Array(count), dims);
  }
}

/**
 * Writes t in the model's timestep dtype. The Euler family and Heun step at fractional timesteps; an
 * integer timestep input takes them truncated toward zero, as numpy's `astype` does in the ONNX pipelines
 * (a float timestep input, like the graphs built from diffusers folders, takes them exactly).
 */
function fillTimestep(tensor: ort.Tensor, timestep: number): void {
  const data = tensor.data;
  if (data instanceof BigInt64Array) data.fill(BigInt(Math.trunc(timestep)));
  else if (data instanceof Int32Array) data.fill(Math.trunc(timestep));
  else if (tensor.type === 'float16') (data as Uint16Array).fill(toFloat16Bits(timestep));
  else (data as Int32Array | Float32Array).fill(timestep);
}
