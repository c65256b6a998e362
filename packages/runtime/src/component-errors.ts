import { CheckpointMismatchError, DiffusersFolderError, ModelConfigError, WeightsFileError } from '@denoise/diffusers';
import { TokenizerFilesError } from '@denoise/tokenizer';
import { ModelLoadError } from './model-errors.js';

/**
 * What a user's model folder got wrong (a config, a weights file, a checkpoint that does not fit its config, a
 * tokenizer file) becomes a ModelLoadError naming `path` (exit 2 in the apps); anything else is rethrown as it is.
 */
export function asModelLoadError(error: unknown, path: string): unknown {
  const unusable =
    error instanceof ModelConfigError ||
    error instanceof WeightsFileError ||
    error instanceof CheckpointMismatchError ||
    error instanceof DiffusersFolderError ||
    error instanceof TokenizerFilesError;
  return unusable ? new ModelLoadError(path, error.message.startsWith(path) ? error.message.slice(path.length).replace(/^:\s*/, '') : error.message, { cause: error }) : error;
}
