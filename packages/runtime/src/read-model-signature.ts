import type { InferenceSession } from 'onnxruntime-node';
import { ModelLoadError, SampleSizeError } from './model-errors.js';
import type { ClassLabelsInput, ModelSignature, SampleDtype, SampleShapeRequest, TimestepDtype, TimestepLayout } from './model-signature.js';

const SAMPLE_DTYPES: readonly string[] = ['float32', 'float16'];
const TIMESTEP_DTYPES: readonly string[] = ['int64', 'int32', 'float32', 'float16'];
const SAMPLE_INPUT_NAMES = ['sample', 'x', 'x_t', 'latent', 'latents', 'input'];
const TIMESTEP_INPUT_NAMES = ['timestep', 'timesteps', 't'];
const OUTPUT_NAMES = ['out_sample', 'sample', 'noise_pred', 'eps', 'output', 'out'];
const CLASS_LABEL_INPUT_NAMES = ['class_labels', 'class_label', 'labels', 'y'];
/**
 * Inputs that condition each image on text (diffusers' UNet2DConditionModel and its exports): the text encoder's hidden
 * states, LCM's guidance embedding, SDXL's pooled `text_embeds` and size/crop `time_ids` (added_cond_kwargs).
 */
const CONDITIONING_INPUT_NAMES = ['encoder_hidden_states', 'timestep_cond', 'text_embeds', 'time_ids'];

const EXPECTED =
  'expected: a sample input float32|float16 [B, C, H, W], a timestep input ' +
  'int64|int32|float32|float16 as a scalar, [1] or [B], optionally class_labels or float32 encoder_hidden_states [B, tokens, width] ' +
  '(+ timestep_cond [B, width], + text_embeds [B, width] and time_ids [B, 6]), and an output of the sample shape (C or 2C channels)';

/**
 * Reads the session's metadata and decides how to drive it, or fails listing what the model declares.
 * Symbolic C/H/W (as real exports declare) take the requested size, else the model's default.
 */
export function readModelSignature(path: string, session: InferenceSession, request: SampleShapeRequest = {}): ModelSignature {
  const inputs = tensorMetadata(session.inputMetadata);
  const outputs = tensorMetadata(session.outputMetadata);
  const fail = (why: string): never => {
    const list = (m: readonly TensorMeta[]) => m.map((v) => `${v.name}: ${v.type} [${v.shape.join(', ')}]`).join('; ');
    throw new ModelLoadError(path, `${why}. The model declares inputs {${list(inputs)}} and outputs {${list(outputs)}}; ${EXPECTED}`);
  };
  const conditioning = inputs.filter((i) => CONDITIONING_INPUT_NAMES.includes(i.name));
  for (const input of conditioning) {
    if (input.type !== 'float32' || input.shape.length < 2) fail(`the conditioning input '${input.name}' must be float32 [B, …], it is ${input.type} [${input.shape.join(', ')}]`);
  }
  const rest = inputs.filter((i) => !conditioning.includes(i));
  const labels = rest.length === 3 ? pickByName(rest, CLASS_LABEL_INPUT_NAMES) : undefined;
  if (rest.length !== 2 && !labels) {
    fail(`unsupported signature: ${inputs.length} input(s), denoise drives models with 2 (sample, timestep), 3 (+ class_labels) or text conditioning (+ encoder_hidden_states)`);
  }
  const driven = rest.filter((i) => i !== labels);

  const sample = pickByName(driven, SAMPLE_INPUT_NAMES) ?? driven.find((i) => i.shape.length === 4);
  if (!sample) return fail('no sample input of rank 4');
  const timestep = driven.find((i) => i !== sample)!;
  if (sample.shape.length !== 4) fail(`the sample input '${sample.name}' has rank ${sample.shape.length}, not 4 (NCHW)`);
  if (!SAMPLE_DTYPES.includes(sample.type)) fail(`the sample input '${sample.name}' is ${sample.type}, not float32 or float16`);
  const [batchDim, declaredC, declaredH, declaredW] = sample.shape;
  const resolve = (axis: string, declared: number | string | undefined, requested: number | undefined, fallback: number | undefined): number => {
    if (typeof declared === 'number' && declared > 0) {
      if (requested !== undefined && requested !== declared) {
        const asked = [request.channels ?? declaredC, request.height ?? declaredH, request.width ?? declaredW].join(', ');
        throw new ModelLoadError(
          path,
          `the sample shape asked for, [N, ${asked}], does not fit the model, which takes [N, ${[declaredC, declaredH, declaredW].join(', ')}] (its ${axis} is fixed)`,
        );
      }
      return declared;
    }
    const size = requested ?? fallback;
    if (size === undefined) {
      throw new SampleSizeError(path, `the sample input '${sample.name}' has a symbolic ${axis} and no size was given: give a height and width, or noise of that shape`);
    }
    return size;
  };
  const c = resolve('channels', declaredC, request.channels, undefined);
  const h = resolve('height', declaredH, request.height, request.defaultHeight);
  const w = resolve('width', declaredW, request.width, request.defaultWidth);
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
  const outputChannels = typeof declaredChannels === 'number' && declaredChannels > 0 ? declaredChannels : c;
  if (outputChannels !== c && outputChannels !== 2 * c) {
    fail(`the output '${output.name}' has ${outputChannels} channels for a ${c}-channel sample (expected ${c} or ${2 * c})`);
  }
  let classLabels: ClassLabelsInput | undefined;
  if (labels) {
    const dtype = labels.type;
    if (dtype !== 'int64' && dtype !== 'int32' && dtype !== 'float32') fail(`the class-label input '${labels.name}' is ${dtype}, not int64, int32 or float32`);
    const width = labels.shape.length === 2 && typeof labels.shape[1] === 'number' ? labels.shape[1] : undefined;
    classLabels = { name: labels.name, dtype: dtype as ClassLabelsInput['dtype'], ...(width !== undefined ? { width } : {}) };
  }
  return {
    sampleInput: sample.name,
    sampleDtype: sample.type as SampleDtype,
    channels: c,
    height: h,
    width: w,
    ...(typeof batchDim === 'number' && batchDim > 0 ? { fixedBatchSize: batchDim } : {}),
    timestepInput: timestep.name,
    timestepDtype: timestep.type as TimestepDtype,
    timestepLayout,
    output: output.name,
    outputDtype: output.type as SampleDtype,
    outputChannels,
    ...(classLabels ? { classLabels } : {}),
    ...(conditioning.length > 0 ? { conditioning: conditioning.map((i) => ({ name: i.name, rowShape: i.shape.slice(1) })) } : {}),
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
