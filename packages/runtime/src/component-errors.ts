import { CheckpointMismatchError, DeepCacheBranchError, DiffusersFolderError, ModelConfigError, WeightsFileError } from '@denoise/diffusers';
import { InputError } from '@denoise/sampler';
import { TokenizerFilesError } from '@denoise/tokenizer';
import { ModelLoadError } from './model-errors.js';

/**
 * What a user's model folder got wrong (a config, a weights file, a checkpoint that does not fit its config, a
 * tokenizer file) becomes a ModelLoadError naming `path` (exit 2 in the apps); a DeepCache branch the UNet cannot be
 * cut at becomes the InputError of the deepcacheBranch option; anything else is rethrown as it is.
 */
export function asModelLoadError(error: unknown, path: string): unknown {
  if (error instanceof DeepCacheBranchError) return new InputError('deepcacheBranch', error.branch, error.allowed, `${path}: ${error.message}`, { cause: error });
  const unusable =
    error instanceof ModelConfigError ||
    error instanceof WeightsFileError ||
    error instanceof CheckpointMismatchError ||
    error instanceof DiffusersFolderError ||
    error instanceof TokenizerFilesError;
  if (!unusable) return error;
  // The error names a file inside `path` already ("…/unet/config.json: reason"): keep that file as the one to blame.
  const separator = error.message.indexOf(': ');
  if (error.message.startsWith(path) && separator > 0) {
    return new ModelLoadError(error.message.slice(0, separator), error.message.slice(separator + 2), { cause: error });
  }
  return new ModelLoadError(path, error.message, { cause: error });
}
