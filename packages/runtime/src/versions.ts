import * as ort from 'onnxruntime-node';

/** The onnxruntime-node version in use (recorded in bench results and golden manifests). */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
