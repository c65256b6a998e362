import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ActivationRange } from '@denoise/diffusers';
import { writeFileAtomic } from '@denoise/image';
import { ModelLoadError } from './model-errors.js';
import type { Int8Config } from './int8-options.js';

const FORMAT = 'denoise-int8-calibration';
const VERSION = 1;

/** What a calibration was measured on: the weights (sha256 of config.json + weights), the settings, the sample size. */
export interface CalibrationKey {
  readonly weightsSha256: string;
  readonly settings: Pick<Int8Config, 'method' | 'runs' | 'steps' | 'seed' | 'sampler'>;
  readonly height: number;
  readonly width: number;
}

/** The cache file of a calibration: one per weights, settings and sample size. */
export function calibrationPath(cacheDir: string, key: CalibrationKey): string {
  const { method, sampler, runs, steps, seed } = key.settings;
  return join(cacheDir, `${key.weightsSha256}-${method}-${sampler}-r${runs}-s${steps}-seed${seed}-${key.height}x${key.width}.json`);
}

/**
 * The ranges cached at `path`, or undefined when there is none to use: no file; a file that is not a calibration
 * (truncated by a crash before atomic writes, edited) or lacks one of `values` (a graph built by another denoise
 * version): `log` says so, and the caller recalibrates and replaces it. A file that names other weights or
 * settings than its name says was put there by hand: refused (ModelLoadError naming it), since replacing it would
 * hide the mix-up.
 */
export async function readCachedCalibration(
  path: string,
  key: CalibrationKey,
  values: readonly string[],
  log: ((line: string) => void) | undefined,
): Promise<ReadonlyMap<string, ActivationRange> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    log?.(`${path}: cannot read the cached int8 calibration (${(error as Error).message}); recalibrating`);
    return undefined;
  }
  let file: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || (parsed as Record<string, unknown>)['format'] !== FORMAT) {
      throw new Error(`not a ${FORMAT} file`);
    }
    file = parsed as Record<string, unknown>;
  } catch (error) {
    log?.(`${path}: the cached int8 calibration is unreadable (${(error as Error).message}); recalibrating`);
    return undefined;
  }
  if (file['weightsSha256'] !== key.weightsSha256) {
    throw new ModelLoadError(
      path,
      `this int8 calibration is of weights with sha256 ${String(file['weightsSha256'])}, not of the model's (${key.weightsSha256}); delete the file to recalibrate`,
    );
  }
  const settings = JSON.stringify(file['settings']);
  if (settings !== JSON.stringify(key.settings) || file['height'] !== key.height || file['width'] !== key.width) {
    throw new ModelLoadError(
      path,
      `this int8 calibration was made with ${settings} at ${String(file['height'])}×${String(file['width'])}, not ${JSON.stringify(key.settings)} at ${key.height}×${key.width}; delete the file to recalibrate`,
    );
  }
  const stored = file['version'] === VERSION ? file['ranges'] : undefined;
  const ranges = new Map<string, ActivationRange>();
  for (const value of values) {
    const range = (stored as Record<string, unknown> | undefined)?.[value];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || range[0] > range[1]) {
      log?.(`${path}: the cached int8 calibration has no valid range for '${value}' (made by another version of the graph?); recalibrating`);
      return undefined;
    }
    ranges.set(value, { min: range[0] as number, max: range[1] as number });
  }
  return ranges;
}

/** Writes a calibration atomically (writeFileAtomic): an interrupted write leaves no file. */
export async function writeCachedCalibration(path: string, key: CalibrationKey, ranges: ReadonlyMap<string, ActivationRange>): Promise<void> {
  const content = {
    format: FORMAT,
    version: VERSION,
    weightsSha256: key.weightsSha256,
    settings: key.settings,
    height: key.height,
    width: key.width,
    ranges: Object.fromEntries([...ranges].map(([name, r]) => [name, [r.min, r.max]])),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(content, null, 1)}\n`);
}
