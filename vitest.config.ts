import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{cli,core,sim,explore,checkers,scenarios,properties,reports,bench}/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['reports/browser.setup.ts'],
  },
});
