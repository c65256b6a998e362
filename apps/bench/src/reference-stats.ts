import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseNpy } from '@denoise/image';
import { z } from 'zod';
import { formatIssues } from './bench-result.js';

/** The real data's statistics in the classifier's feature space (fixtures/models/fmnist-classifier/reference-stats.json). */
export interface ReferenceStatistics {
  readonly featureDim: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  /** Features of a fixed subset of the real test set, for KID. */
  readonly kidFeatures: Float32Array;
  readonly kidCount: number;
  readonly classifierSha256: string;
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const npyEntry = z.object({ file: z.string().min(1), sha256 });
const headerSchema = z.object({
  format: z.literal('denoise-feature-stats/2'),
  featureDim: z.number().int().positive(),
  model: z.object({ sha256 }),
  test: z.object({ mean: npyEntry, cov: npyEntry }),
  testKidSubset: z.object({ count: z.number().int().positive(), features: npyEntry }),
});

/**
 * Reads reference-stats.json and the .npy files it names (checked against their sha256, dtype and shape), with
 * errors that name the file and the key.
 */
export async function loadReferenceStatistics(headerPath: string): Promise<ReferenceStatistics> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(headerPath, 'utf8'));
  } catch (error) {
    throw new Error(`${headerPath}: cannot read reference statistics (${(error as Error).message})`, { cause: error });
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${headerPath}: not reference statistics (format denoise-feature-stats/2): ${formatIssues(parsed.error)}`);
  const header = parsed.data;
  const dim = header.featureDim;
  const read = async (key: string, entry: z.infer<typeof npyEntry>, dtype: 'float64' | 'float32', shape: readonly number[]) => {
    const file = join(dirname(headerPath), entry.file);
    const bytes = await readFile(file);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) throw new Error(`${file} (${key}): sha256 ${digest.slice(0, 12)}…, the header records ${entry.sha256.slice(0, 12)}…`);
    const array = parseNpy(bytes, file);
    if (array.dtype !== dtype || array.shape.join(',') !== shape.join(',')) {
      throw new Error(`${file} (${key}): ${array.dtype} [${array.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`);
    }
    return array.data;
  };
  return {
    featureDim: dim,
    mean: (await read('test.mean', header.test.mean, 'float64', [dim])) as Float64Array,
    cov: (await read('test.cov', header.test.cov, 'float64', [dim, dim])) as Float64Array,
    kidFeatures: (await read('testKidSubset.features', header.testKidSubset.features, 'float32', [header.testKidSubset.count, dim])) as Float32Array,
    kidCount: header.testKidSubset.count,
    classifierSha256: header.model.sha256,
  };
}
