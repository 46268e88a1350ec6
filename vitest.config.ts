import { defineConfig, configDefaults } from 'vitest/config';

export default defineConfig({
  test: {
    // Every test file of the repository, wherever it is (a new folder needs no change here), except
    // the compiled package, reports and what tools copy into place.
    include: ['**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'dist/**', 'reports/out/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['reports/browser.setup.ts'],
    setupFiles: ['sim/fast-check.setup.ts'],
  },
});
