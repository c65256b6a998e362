import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './model-errors.js';
import type { SessionSettings } from './session-settings.js';

/**
 * An onnxruntime session over an .onnx file, or over model bytes built by denoise whose weights stay in their file
 * (`externalDataFolder`: where onnxruntime reads them). A model onnxruntime cannot parse or run is a ModelLoadError
 * naming `path`.
 */
export async function createSession(
  model: { readonly path: string } | { readonly bytes: Uint8Array; readonly externalDataFolder?: string },
  path: string,
  settings: SessionSettings,
): Promise<ort.InferenceSession> {
  const { threads } = settings;
  const external = 'bytes' in model ? model.externalDataFolder : undefined;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [settings.executionProvider],
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    logSeverityLevel: 3,
    extra: {
      session: {
        ...(external ? { model_external_initializers_file_folder_path: external } : {}),
        ...(settings.spinning === false ? { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } : {}),
      },
    },
  };
  try {
    return 'bytes' in model ? await ort.InferenceSession.create(model.bytes, options) : await ort.InferenceSession.create(model.path, options);
  } catch (error) {
    const message = (error as Error).message;
    const why = /protobuf parsing failed/i.test(message) ? 'truncated or corrupt ONNX file (protobuf parsing failed)' : message;
    throw new ModelLoadError(path, why, { cause: error });
  }
}
