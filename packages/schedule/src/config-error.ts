/**
 * A configuration value that denoise refuses. The message names the key, the value received and what
 * is allowed, so a user holding a `scheduler_config.json` can fix it without reading our source.
 */
export class ConfigError extends Error {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(key: string, value: unknown, allowed: string, options?: ErrorOptions) {
    super(`invalid ${key}: got ${describeValue(value)}; allowed: ${allowed}`, options);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}
