/** A model reference the Hub (or the cache) cannot satisfy; the message says what to do about it. */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly reference: string,
    readonly reason: string,
    /** 'reference': the reference itself does not follow the grammar. */
    readonly kind: 'reference' | 'not-found' | 'no-access' | 'not-a-unet' | 'offline' | 'unreachable' | 'corrupt' | 'environment',
    options?: ErrorOptions,
  ) {
    super(`${reference}: ${reason}`, options);
  }
}
