import { defineConfig } from 'vitest/config';

// `pnpm test`: the comparison logic and the tests that prove a golden check can fail. The golden suite
// itself (golden/) runs only under vitest.golden.config.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
