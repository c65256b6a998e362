import * as ort from 'onnxruntime-node';
import type { Denoiser, DenoiserSpec } from '@denoise/sampler';
import { float16ToFloat32, float32ToFloat16, toFloat16Bits } from './float16.js';
import type { ModelSignature } from './model-signature.js';

/**
 * A Denoiser over an onnxruntime session. It adapts the boundary (float16 sample, the timestep's dtype and
 * layout, the output by name) so that the sampling loop and the scheduler always see float32.
 * Input tensors are cached per buffer and batch size and refilled in place: a step allocates nothing beyond
 * what onnxruntime returns (and, for float16 models, nothing at all after the first step).
 */
export class OnnxDenoiser implements Denoiser {
  readonly spec: DenoiserSpec;
  private readonly sampleTensors = new Map<Float32Array, ort.Tensor>();
  private readonly timestepTensors = new Map<number, ort.Tensor>();
  private readonly halfBuffers = new Map<number, { input: ort.Tensor; output: Float32Array }>();
  private readonly perImage: number;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
    private readonly modelPath: string,
  ) {
    this.spec = {
      channels: signature.channels,
      height: signature.height,
      width: signature.width,
      outputChannels: signature.outputChannels,
      fixedBatchSize: signature.fixedBatchSize,
    };
    this.perImage = signature.channels * signature.height * signature.width;
  }

  async predict(sample: Float32Array, timestep: number): Promise<Float32Array> {
    const batchSize = this.batchSizeOf(sample);
    const feeds = {
      [this.signature.sampleInput]: this.sampleTensor(sample, batchSize),
      [this.signature.timestepInput]: this.timestepTensor(timestep, batchSize),
    };
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds, [this.signature.output]);
    } catch (error) {
      throw new Error(`${this.modelPath}: inference failed at timestep ${timestep}, batch ${batchSize}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const output = results[this.signature.output]!;
    const expected = batchSize * this.signature.outputChannels * this.signature.height * this.signature.width;
    if (output.size !== expected) {
      throw new Error(
        `${this.modelPath}: output '${this.signature.output}' has shape [${output.dims.join(', ')}], expected ${expected} elements ` +
          `([${batchSize}, ${this.signature.outputChannels}, ${this.signature.height}, ${this.signature.width}])`,
      );
    }
    if (output.type === 'float32') return output.data as Float32Array;
    const half = this.halfBuffers.get(batchSize)!;
    return float16ToFloat32(output.data as Uint16Array, half.output);
  }

  /**
   * A bare `session.run` on fixed inputs, with the feeds built once: the physical limit the bench compares the
   * whole harness with (no dtype adaptation, no output checks, no scheduler).
   */
  bareRun(sample: Float32Array, timestep: number): () => Promise<void> {
    const batchSize = this.batchSizeOf(sample);
    const feeds = {
      [this.signature.sampleInput]: this.sampleTensor(sample.slice(), batchSize),
      [this.signature.timestepInput]: this.timestepTensor(timestep, batchSize),
    };
    const outputs = [this.signature.output];
    return async () => {
      await this.session.run(feeds, outputs);
    };
  }

  /** Runs the model once on zeros at this batch size, so that the first timed step pays no set-up cost. */
  async warmup(batchSize: number): Promise<void> {
    const zeros = new Float32Array(batchSize * this.perImage);
    await this.predict(zeros, 0);
    this.sampleTensors.delete(zeros);
  }

  async dispose(): Promise<void> {
    this.sampleTensors.clear();
    await this.session.release();
  }

  private batchSizeOf(sample: Float32Array): number {
    const batchSize = sample.length / this.perImage;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `${this.modelPath}: a sample of ${sample.length} elements is not a whole batch of ` +
          `${this.signature.channels}×${this.signature.height}×${this.signature.width} images`,
      );
    }
    const fixed = this.signature.fixedBatchSize;
    if (fixed !== undefined && fixed !== batchSize) {
      throw new RangeError(`${this.modelPath}: the model is fixed to batch ${fixed}, got a batch of ${batchSize}`);
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

function fillTimestep(tensor: ort.Tensor, timestep: number): void {
  const data = tensor.data;
  if (data instanceof BigInt64Array) data.fill(BigInt(timestep));
  else if (tensor.type === 'float16') (data as Uint16Array).fill(toFloat16Bits(timestep));
  else (data as Int32Array | Float32Array).fill(timestep);
}
