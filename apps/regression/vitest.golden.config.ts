import { defineConfig } from 'vitest/config';

// `pnpm test:golden`: every case of fixtures/golden/manifest.json. Cases share one model session and the
// CPU, so they run in one file, one after another; DDPM-1000 alone takes tens of seconds on a busy core.
export default defineConfig({
  test: {
    include: ['golden/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Every case is slow by vitest's standard (300 ms); listing them all would bury the summary table.
    slowTestThreshold: 60_000,
  },
});
