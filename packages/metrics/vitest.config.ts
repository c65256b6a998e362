import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest's default in `run` is availableParallelism − 1 workers: one on a 2-core box, where the FID and KID
    // reference-case files (~12 s each, single-threaded) would then run one after the other.
    maxWorkers: 2,
  },
});
