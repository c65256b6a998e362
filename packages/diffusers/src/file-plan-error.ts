/** A repository or folder without a model denoise can run; the message says what is there. */
export class ModelFilePlanError extends Error {
  override readonly name = 'ModelFilePlanError';
}
