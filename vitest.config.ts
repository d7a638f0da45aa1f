import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    // `serverless package` once per variant of the stack, for the deploy tests (skipped when the run has none).
    globalSetup: ['./test/support/global-setup.ts'],
    // Two files at a time on a 2-core machine (vitest would take one: cores − 1). Most suites wait on real
    // time (rate windows, schedules), not on CPU; the rate-limit checks are bounds that hold under load.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLS_TELEMETRY_DISABLED: '1',
    },
  },
});
