import { describe, expect, it } from 'vitest';
import { assertBatchFitsMemory, InsufficientMemoryError } from '../src/index.js';

const GiB = 2 ** 30;
const model = {
  modelPath: 'some/unet',
  activationLowerBound: { skipBytes: 0.25 * GiB, attentionBytes: 2 * GiB, perImageBytes: 2.25 * GiB },
  signature: { height: 2048, width: 2048 },
};

describe('assertBatchFitsMemory', () => {
  it('lets a batch through when its lower bound fits in free memory, and refuses one that does not, saying how many fit', () => {
    expect(() => assertBatchFitsMemory(model, 4, 10 * GiB)).not.toThrow();
    expect(() => assertBatchFitsMemory(model, 5, 10 * GiB)).toThrow(InsufficientMemoryError);
    expect(() => assertBatchFitsMemory(model, 5, 10 * GiB)).toThrow(
      'some/unet: a batch of 5 2048×2048 images needs at least 11.3 GiB of activations (2.3 GiB per image, of which 2.0 GiB of attention scores), but 10.0 GiB of memory is free; at most 4 image(s) per batch fit',
    );
    expect(() => assertBatchFitsMemory(model, 1, 1 * GiB)).toThrow(/not even one image fits: a smaller image size is needed/);
  });

  it('checks nothing for a model without an estimate (a plain ONNX file)', () => {
    expect(() => assertBatchFitsMemory({ modelPath: 'x.onnx', signature: { height: 8, width: 8 } }, 10 ** 9, 1)).not.toThrow();
  });
});
