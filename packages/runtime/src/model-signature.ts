// The model's signature as denoise drives it; read from a session by read-model-signature.ts.

export type SampleDtype = 'float32' | 'float16';
export type TimestepDtype = 'int64' | 'int32' | 'float32' | 'float16';
/** How the timestep is fed: a scalar, a [1] tensor, or one per batch item. */
export type TimestepLayout = 'scalar' | 'single' | 'per-item';

/** The class-label input of a class-conditional model: int64/int32 indices [B], or float32 vectors [B, width]. */
export interface ClassLabelsInput {
  readonly name: string;
  readonly dtype: 'int64' | 'int32' | 'float32';
  /** Vector width of a float32 [B, width] input (diffusers class_embed_type 'identity'). */
  readonly width?: number;
  /** Number of classes, when the model says (a built UNet2DModel's num_class_embeds). */
  readonly count?: number;
}

/**
 * A float32 input that conditions every image of the batch: [B, …] with one row per image (a text-conditioned UNet's
 * `encoder_hidden_states` [B, tokens, width], LCM's `timestep_cond` [B, width], SDXL's `text_embeds` [B, width] and
 * `time_ids` [B, 6]). Its rows are bound before sampling.
 */
export interface ConditioningInput {
  readonly name: string;
  /** The dims after the batch axis, as declared (symbolic ones as strings). */
  readonly rowShape: readonly (number | string)[];
}

/** Sizes asked for by the user (--height/--width, or the --noise shape), and the model's own default (config sample_size). */
export interface SampleShapeRequest {
  readonly channels?: number;
  readonly height?: number;
  readonly width?: number;
  readonly defaultHeight?: number;
  readonly defaultWidth?: number;
}

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
  readonly classLabels?: ClassLabelsInput;
  /** Inputs bound to the conditioning's rows (see OnnxDenoiser.conditionedOn); none for an unconditional model. */
  readonly conditioning?: readonly ConditioningInput[];
}
