/**
 * An input the bench cannot use (exit 2): no scheduler config, configurations that the model's scheduler config
 * refuses, flags that do not apply to the model (text flags on an unconditional model, class labels or FID on a
 * text-to-image pipeline), an image size the model cannot make.
 */
export class BenchInputError extends Error {
  override readonly name = 'BenchInputError';
}
