import type { InferenceSession } from 'onnxruntime-node';
import { ModelLoadError } from './model-errors.js';

export type SampleDtype = 'float32' | 'float16';
export type TimestepDtype = 'int64' | 'int32' | 'float32' | 'float16';
/** How the timestep is fed: a scalar, a [1] tensor, or one per batch item. */
export type TimestepLayout = 'scalar' | 'single' | 'per-item';

const SAMPLE_DTYPES: readonly string[] = ['float32', 'float16'];
const TIMESTEP_DTYPES: readonly string[] = ['int64', 'int32', 'float32', 'float16'];
const SAMPLE_INPUT_NAMES = ['sample', 'x', 'x_t', 'latent', 'latents', 'input'];
const TIMESTEP_INPUT_NAMES = ['timestep', 'timesteps', 't'];
const OUTPUT_NAMES = ['out_sample', 'sample', 'noise_pred', 'eps', 'output', 'out'];

/** The model's declared inputs and outputs, resolved to what the denoiser feeds and reads. */
export interface ModelSignature {
  readonly sampleInput: string;
  readonly sampleDtype: SampleDtype;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly fixedBatchSize?: number;
  readonly timestepInput: string;
  readonly timestepDtype: TimestepDtype;
  readonly timestepLayout: TimestepLayout;
  readonly output: string;
  readonly outputDtype: SampleDtype;
  readonly outputChannels: number;
}

const EXPECTED =
  'expected: a sample input float32|float16 [B, C, H, W] (C, H, W fixed), a timestep input ' +
  'int64|int32|float32|float16 as a scalar, [1] or [B], and an output of the sample shape (C or 2C channels)';

/** Reads the session's metadata and decides how to drive it, or fails listing what the model declares. */
export function readModelSignature(path: string, session: InferenceSession): ModelSignature {
  const inputs = tensorMetadata(session.inputMetadata);
  const outputs = tensorMetadata(session.outputMetadata);
  const fail = (why: string): never => {
    const list = (m: readonly TensorMeta[]) => m.map((v) => `${v.name}: ${v.type} [${v.shape.join(', ')}]`).join('; ');
    throw new ModelLoadError(path, `${why}. The model declares inputs {${list(inputs)}} and outputs {${list(outputs)}}; ${EXPECTED}`);
  };
  if (inputs.length !== 2) fail(`unsupported signature: ${inputs.length} input(s), denoise drives models with exactly 2`);

  const sample = pickByName(inputs, SAMPLE_INPUT_NAMES) ?? inputs.find((i) => i.shape.length === 4);
  if (!sample) return fail('no sample input of rank 4');
  const timestep = inputs.find((i) => i !== sample)!;
  if (sample.shape.length !== 4) fail(`the sample input '${sample.name}' has rank ${sample.shape.length}, not 4 (NCHW)`);
  if (!SAMPLE_DTYPES.includes(sample.type)) fail(`the sample input '${sample.name}' is ${sample.type}, not float32 or float16`);
  const [batchDim, c, h, w] = sample.shape;
  if (typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    fail(`the sample input '${sample.name}' has symbolic channel/height/width dimensions`);
  }
  if (!TIMESTEP_DTYPES.includes(timestep.type)) fail(`the timestep input '${timestep.name}' is ${timestep.type}`);
  if (!TIMESTEP_INPUT_NAMES.includes(timestep.name) && SAMPLE_INPUT_NAMES.includes(timestep.name)) {
    fail('cannot tell the sample input from the timestep input');
  }
  let timestepLayout: TimestepLayout;
  if (timestep.shape.length === 0) timestepLayout = 'scalar';
  else if (timestep.shape.length === 1 && timestep.shape[0] === 1 && batchDim !== 1) timestepLayout = 'single';
  else if (timestep.shape.length === 1) timestepLayout = 'per-item';
  else return fail(`the timestep input '${timestep.name}' has rank ${timestep.shape.length}, not 0 or 1`);

  const output = outputs.length === 1 ? outputs[0] : pickByName(outputs, OUTPUT_NAMES);
  if (!output) return fail(`${outputs.length} outputs and none named ${OUTPUT_NAMES.join(' / ')}`);
  if (!SAMPLE_DTYPES.includes(output.type)) fail(`the output '${output.name}' is ${output.type}, not float32 or float16`);
  const declaredChannels = output.shape.length === 4 ? output.shape[1] : undefined;
  const outputChannels = typeof declaredChannels === 'number' ? declaredChannels : (c as number);
  if (outputChannels !== c && outputChannels !== 2 * (c as number)) {
    fail(`the output '${output.name}' has ${outputChannels} channels for a ${c}-channel sample (expected ${c} or ${2 * (c as number)})`);
  }
  return {
    sampleInput: sample.name,
    sampleDtype: sample.type as SampleDtype,
    channels: c as number,
    height: h as number,
    width: w as number,
    ...(typeof batchDim === 'number' && batchDim > 0 ? { fixedBatchSize: batchDim } : {}),
    timestepInput: timestep.name,
    timestepDtype: timestep.type as TimestepDtype,
    timestepLayout,
    output: output.name,
    outputDtype: output.type as SampleDtype,
    outputChannels,
  };
}

interface TensorMeta {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

function tensorMetadata(metadata: readonly InferenceSession.ValueMetadata[]): TensorMeta[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }));
}

function pickByName(values: readonly TensorMeta[], names: readonly string[]): TensorMeta | undefined {
  for (const name of names) {
    const found = values.find((v) => v.name === name);
    if (found) return found;
  }
  return undefined;
}
