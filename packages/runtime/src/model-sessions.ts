import type * as ort from 'onnxruntime-node';
import type { LoadedModel } from './load-model.js';

/** Each loaded model's onnxruntime session, kept off LoadedModel so that no onnxruntime type is public. */
const sessions = new WeakMap<LoadedModel, ort.InferenceSession>();

/** Called by loadModel for every model it returns. */
export function registerSession(model: LoadedModel, session: ort.InferenceSession): void {
  sessions.set(model, session);
}

/**
 * The onnxruntime session under a loaded model, for runtime's own bench (bare `session.run` timings against an
 * exported graph); not exported from the package. Apps time bare runs through `denoiser.bareRun`.
 */
export function sessionOf(model: LoadedModel): ort.InferenceSession {
  const session = sessions.get(model);
  if (!session) throw new Error(`${model.modelPath}: not a model returned by loadModel`);
  return session;
}
