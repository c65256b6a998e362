import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The smoke test runs the whole quick bench on the embedded model.
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
