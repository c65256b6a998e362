/**
 * How an image becomes the input of an FID feature extractor: which tool's preprocessing to reproduce
 * (`protocol`), the network's input size, and optionally a normalisation declared for a user's own
 * ONNX extractor. Resolved once by `parseFidInputConfig`, the one gate for these options.
 */

/** The three tools whose preprocessing is reproduced: pytorch-fid, clean-fid's `clean` mode, torch-fidelity. */
export type FidProtocol = 'pytorch-fid' | 'clean' | 'torch-fidelity';
export const FID_PROTOCOLS: readonly FidProtocol[] = ['pytorch-fid', 'clean', 'torch-fidelity'];

/**
 * A per-channel (R, G, B) normalisation, `(x − mean) / std` in float32, applied to the resized values
 * scaled to [0, 1] (torchvision `Normalize` after `ToTensor`), replacing the tool's own normalisation.
 */
export interface FidNormalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export interface FidInputConfig {
  readonly protocol: FidProtocol;
  /** The network's input height and width; FID Inception takes 299 × 299. */
  readonly height: number;
  readonly width: number;
  /** `'protocol'`: the tool's own (pytorch-fid `2x − 1`, the others `(x − 128) / 128`). */
  readonly normalization: 'protocol' | FidNormalization;
}

/** What a caller gives: the protocol, and any of the other keys to override their defaults. */
export type FidInputOptions = Pick<FidInputConfig, 'protocol'> & Partial<Omit<FidInputConfig, 'protocol'>>;

export const FID_INPUT_DEFAULTS = { height: 299, width: 299, normalization: 'protocol' } as const;

/** Largest accepted input side: far above any feature extractor's, small enough that a typo cannot allocate gigabytes. */
const MAX_SIDE = 4096;

/** FID input options the preprocessing cannot take: the caller's input (not a bug), with its key, value and what is allowed. */
export class FidInputError extends Error {
  override readonly name = 'FidInputError';
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly allowed: string,
    options?: ErrorOptions,
  ) {
    super(`FID input option '${key}' must be ${allowed}, got ${describe(value)}`, options);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

const KEYS = ['protocol', 'height', 'width', 'normalization'];

/** Validates `input` (from code, JSON or a CLI) and applies the defaults; unknown keys are refused. */
export function parseFidInputConfig(input: unknown): FidInputConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FidInputError('(options)', input, `an object with keys ${KEYS.join(', ')}`);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.includes(key)) throw new FidInputError(key, record[key], `absent: unknown key; allowed keys: ${KEYS.join(', ')}`);
  }
  const protocol = record['protocol'];
  if (!FID_PROTOCOLS.includes(protocol as FidProtocol)) {
    throw new FidInputError('protocol', protocol, `one of ${FID_PROTOCOLS.map((p) => `'${p}'`).join(', ')}`);
  }
  return {
    protocol: protocol as FidProtocol,
    height: side(record, 'height'),
    width: side(record, 'width'),
    normalization: normalization(record['normalization']),
  };
}

function side(record: Record<string, unknown>, key: 'height' | 'width'): number {
  const value = record[key] ?? FID_INPUT_DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    throw new FidInputError(key, value, `an integer in [1, ${MAX_SIDE}] (default ${FID_INPUT_DEFAULTS[key]})`);
  }
  return value;
}

function normalization(value: unknown): FidInputConfig['normalization'] {
  if (value === undefined || value === 'protocol') return 'protocol';
  const allowed = "'protocol' or { mean: [r, g, b], std: [r, g, b] } (finite numbers, std > 0)";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FidInputError('normalization', value, allowed);
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).find((key) => key !== 'mean' && key !== 'std');
  if (extra !== undefined) throw new FidInputError(`normalization.${extra}`, record[extra], 'absent: allowed keys are mean, std');
  const triple = (key: 'mean' | 'std'): readonly [number, number, number] => {
    const list = record[key];
    const ok =
      Array.isArray(list) &&
      list.length === 3 &&
      list.every((v) => typeof v === 'number' && Number.isFinite(v) && (key === 'mean' || v > 0));
    if (!ok) throw new FidInputError(`normalization.${key}`, list, key === 'mean' ? 'three finite numbers (R, G, B)' : 'three finite numbers > 0 (R, G, B)');
    return [list[0] as number, list[1] as number, list[2] as number];
  };
  return { mean: triple('mean'), std: triple('std') };
}
