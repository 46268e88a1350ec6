import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['cli/**/*.test.ts', 'core/**/*.test.ts', 'sim/**/*.test.ts', 'scenarios/**/*.test.ts', 'properties/**/*.test.ts', 'reports/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['reports/browser.setup.ts'],
  },
});
