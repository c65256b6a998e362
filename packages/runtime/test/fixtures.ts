import { fileURLToPath } from 'node:url';

/** fixtures/models/test/<name>: the closed-form ONNX denoisers made by tools/denoise_tools/make_test_models. */
export function testModel(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/models/test/${name}`, import.meta.url));
}
