import { fileURLToPath } from 'node:url';

/** fixtures/models/test/<name>: the closed-form ONNX denoisers made by tools/make-test-models. */
export function testModel(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/models/test/${name}`, import.meta.url));
}
