/**
 * The one reader of component config.json files (UNets, VAE, text encoders): the object's keys are checked
 * against the class's `__init__` keys, a missing key takes the class default, and every typed read refuses a bad
 * value naming the key, the value (cut short) and what is allowed. Sizes have plausibility limits, so a hostile
 * config is refused before any graph is built instead of building for minutes or failing with "Invalid array
 * length" deep inside.
 */

/** A component config.json that the builders cannot use; `key` is the offending key when there is one. */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly key?: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/** A value as JSON, cut to `max` characters: messages never echo a huge value whole. */
export function quote(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A BigInt, a cycle, or a nesting deeper than the stack (which String() on an array cannot print either).
    try {
      text = String(value);
    } catch {
      text = Array.isArray(value) ? `an array of ${value.length} items` : typeof value;
    }
  }
  return cut(text, max);
}

/** `text` cut to `max` characters, saying how long it was. */
export function cut(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** The largest channel count, layer count or size any supported config plausibly has. */
export const PLAUSIBLE = { channels: 65_536, layers: 256, levels: 16, size: 1 << 16 } as const;

export interface OpenConfigOptions<K extends string> {
  /** The file, prefixed to every error. */
  readonly source: string;
  /** The `_class_name` values accepted (absent is accepted too). */
  readonly classNames: readonly string[];
  readonly defaults: Readonly<Record<K, unknown>>;
  /** Keys beyond `defaults` that the class's saved configs carry and that change nothing at inference. */
  readonly inertKeys?: readonly string[];
  /** Key prefixes never checked (diffusers' `_class_name`, `_diffusers_version`, …). Default: '_'. */
  readonly ignoredPrefix?: string;
}

/** Checks the object's keys and returns a reader of its values (with the class defaults for absent keys). */
export function openConfig<K extends string>(input: unknown, options: OpenConfigOptions<K>): ConfigReader<K> {
  const { source } = options;
  const fail = (reason: string, key?: string): never => {
    throw new ModelConfigError(source, reason, key);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(`must be a JSON object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`);
  }
  const raw = input as Record<string, unknown>;
  const className = raw['_class_name'];
  if (className !== undefined && !options.classNames.includes(className as string)) {
    fail(`_class_name is ${quote(className)}; this builds ${options.classNames.join(' or ')}`, '_class_name');
  }
  const known = Object.keys(options.defaults);
  const inert = options.inertKeys ?? [];
  const ignoredPrefix = options.ignoredPrefix ?? '_';
  for (const key of Object.keys(raw)) {
    if (!key.startsWith(ignoredPrefix) && !known.includes(key) && !inert.includes(key)) {
      fail(`unknown key '${cut(key)}'; ${options.classNames[0]} takes: ${known.join(', ')}`, key);
    }
  }
  return new ConfigReader<K>((key) => (key in raw ? raw[key] : options.defaults[key]), fail);
}

/** Typed reads of one config's values; each names the key and what it allows when it refuses a value. */
export class ConfigReader<K extends string> {
  constructor(
    readonly value: (key: K) => unknown,
    readonly fail: (reason: string, key?: string) => never,
  ) {}

  int(key: K, min: number, max: number = PLAUSIBLE.channels): number {
    const v = this.value(key);
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) this.fail(`${key} ${quote(v)} must be an integer in [${min}, ${max}]`, key);
    return v as number;
  }

  optionalInt(key: K, min: number, max: number = PLAUSIBLE.channels): number | undefined {
    return this.value(key) === null ? undefined : this.int(key, min, max);
  }

  number(key: K): number {
    const v = this.value(key);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${key} ${quote(v)} must be a finite number`, key);
    return v as number;
  }

  positiveNumber(key: K): number {
    const v = this.number(key);
    if (!(v > 0)) this.fail(`${key} ${v} must be > 0`, key);
    return v;
  }

  optionalNumber(key: K): number | undefined {
    return this.value(key) === null ? undefined : this.number(key);
  }

  boolean(key: K): boolean {
    const v = this.value(key);
    if (typeof v !== 'boolean') this.fail(`${key} ${quote(v)} must be true or false`, key);
    return v as boolean;
  }

  choice<T extends string>(key: K, allowed: readonly T[]): T {
    const v = this.value(key);
    if (!allowed.includes(v as T)) this.fail(`${key} ${quote(v)} is not supported; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}`, key);
    return v as T;
  }

  optionalChoice<T extends string>(key: K, allowed: readonly T[]): T | undefined {
    const v = this.value(key);
    if (v === null) return undefined;
    if (!allowed.includes(v as T)) {
      this.fail(`${key} ${quote(v)} is not supported; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}, null`, key);
    }
    return v as T;
  }

  /**
   * A value that must be exactly `expected` (an option denoise does not implement, at its inert setting). Compared as
   * it is, not as JSON text: a value nested deeper than the stack is refused, not a RangeError.
   */
  fixed(key: K, expected: null | boolean | string, why: string): void {
    const v = this.value(key);
    if (v !== expected) this.fail(`${key} ${quote(v)} is not supported (${why}); only ${quote(expected)}`, key);
  }

  intList(key: K, min: number, max: number = PLAUSIBLE.channels): number[] {
    const v = this.value(key);
    if (!Array.isArray(v) || v.length === 0 || v.length > PLAUSIBLE.levels || !v.every((x) => Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max)) {
      this.fail(`${key} ${quote(v)} must be a list of 1 to ${PLAUSIBLE.levels} integers in [${min}, ${max}]`, key);
    }
    return v as number[];
  }

  /** An integer for every level, or one list entry per level (diffusers' `int | tuple[int]` arguments). */
  perLevelInt(key: K, levels: number, min: number, max: number = PLAUSIBLE.channels): number[] {
    const v = this.value(key);
    if (Array.isArray(v)) {
      if (v.length !== levels) this.fail(`${key} has ${v.length} entries for ${levels} levels (block_out_channels); they must match`, key);
      return this.intList(key, min, max);
    }
    return new Array<number>(levels).fill(this.int(key, min, max));
  }

  /** A boolean for every level, or one list entry per level. */
  perLevelBoolean(key: K, levels: number): boolean[] {
    const v = this.value(key);
    if (Array.isArray(v)) {
      if (v.length !== levels || !v.every((x) => typeof x === 'boolean')) this.fail(`${key} ${quote(v)} must be true, false or a list of ${levels} of them`, key);
      return v as boolean[];
    }
    return new Array<boolean>(levels).fill(this.boolean(key));
  }

  choiceList<T extends string>(key: K, allowed: readonly T[], length: number): T[] {
    const v = this.value(key);
    if (!Array.isArray(v)) return this.fail(`${key} ${quote(v)} must be a list of block types`, key);
    if (v.length !== length) this.fail(`${key} has ${v.length} entries but block_out_channels has ${length}; they must match`, key);
    v.forEach((type, i) => {
      if (!allowed.includes(type as T)) this.fail(`${key}[${i}] ${quote(type)} is not supported; allowed: ${allowed.join(', ')}`, key);
    });
    return v as T[];
  }

  /** diffusers' sample_size: an int, [height, width] or null. */
  sampleSize(key: K): readonly [number, number] | undefined {
    const v = this.value(key);
    const ok = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= PLAUSIBLE.size;
    if (v === null) return undefined;
    if (ok(v)) return [v as number, v as number];
    if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0] as number, v[1] as number];
    return this.fail(`${key} ${quote(v)} must be an integer in [1, ${PLAUSIBLE.size}], [height, width] or null`, key);
  }

  /** Every channel count divisible by the group norm's groups. */
  divisibleBy(key: K, values: readonly number[], divisor: number, divisorKey: string): void {
    for (const v of values) {
      if (v % divisor !== 0) this.fail(`${key} ${quote(values)}: ${v} is not divisible by ${divisorKey} ${divisor}`, key);
    }
  }
}
