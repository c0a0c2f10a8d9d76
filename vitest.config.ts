import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Integration suites spawn real processes and set process-wide state: isolate them in forks.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores in CI; the integration tests are process-heavy, so keep parallelism modest.
    maxWorkers: 2,
    // On with --coverage (`npm test`): vitest's V8 coverage plus that of every spawned CLI, mapped
    // from dist/ back to src/ (see the provider). Per-file runs (`npx vitest run FILE`) skip it.
    coverage: {
      provider: 'custom',
      customProviderModule: './test/helpers/coverage-provider.ts',
      include: ['src/**'],
      reporter: ['text-summary', 'html', 'lcov'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
    },
  },
})
