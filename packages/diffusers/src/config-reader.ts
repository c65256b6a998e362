/**
 * The typed readers of one config.json object, shared by the config parsers (UNet2DModel, CLIPTextModel): each
 * reader takes a key, gets its value (the file's, else the class default) and refuses a wrong one with an error that
 * names the key, the value and what is allowed.
 */
export class ConfigReader<K extends string> {
  constructor(
    protected readonly value: (key: K) => unknown,
    protected readonly fail: (reason: string, key?: string) => never,
  ) {}

  int(key: K, min: number): number {
    const v = this.value(key);
    if (!Number.isSafeInteger(v) || (v as number) < min) this.fail(`${key} ${JSON.stringify(v)} must be an integer ≥ ${min}`, key);
    return v as number;
  }

  optionalInt(key: K, min: number): number | undefined {
    return this.value(key) === null ? undefined : this.int(key, min);
  }

  number(key: K): number {
    const v = this.value(key);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${key} ${JSON.stringify(v)} must be a finite number`, key);
    return v as number;
  }

  positiveNumber(key: K): number {
    const v = this.number(key);
    if (!(v > 0)) this.fail(`${key} ${v} must be > 0`, key);
    return v;
  }

  boolean(key: K): boolean {
    const v = this.value(key);
    if (typeof v !== 'boolean') this.fail(`${key} ${JSON.stringify(v)} must be true or false`, key);
    return v as boolean;
  }

  choice<T extends string>(key: K, allowed: readonly T[]): T {
    const v = this.value(key);
    if (!allowed.includes(v as T)) this.fail(`${key} ${JSON.stringify(v)} is not supported; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}`, key);
    return v as T;
  }

  optionalChoice<T extends string>(key: K, allowed: readonly T[]): T | undefined {
    const v = this.value(key);
    if (v === null) return undefined;
    if (!allowed.includes(v as T)) {
      this.fail(`${key} ${JSON.stringify(v)} is not supported; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}, null`, key);
    }
    return v as T;
  }

  intList(key: K, min: number): number[] {
    const v = this.value(key);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isSafeInteger(x) && (x as number) >= min)) {
      this.fail(`${key} ${JSON.stringify(v)} must be a non-empty list of integers ≥ ${min}`, key);
    }
    return v as number[];
  }

  choiceList<T extends string>(key: K, allowed: readonly T[], length: number): T[] {
    const v = this.value(key);
    if (!Array.isArray(v)) return this.fail(`${key} ${JSON.stringify(v)} must be a list of block types`, key);
    if (v.length !== length) this.fail(`${key} has ${v.length} entries but block_out_channels has ${length}; they must match`, key);
    v.forEach((type, i) => {
      if (!allowed.includes(type as T)) {
        this.fail(`${key}[${i}] ${JSON.stringify(type)} is not supported; allowed: ${allowed.join(', ')}`, key);
      }
    });
    return v as T[];
  }
}
