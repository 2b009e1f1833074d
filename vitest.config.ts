import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` tests are pure logic and need nothing running; `integration` tests
 * (`*.int.test.ts`) run against the real services that the global setup starts.
 */
export default defineConfig({
  test: {
    reporters: ["default", "./test/reporters/summary-line.ts"],
    // Engine logs are JSON on stdout; tests show only warnings unless asked (SABOT_LOG_LEVEL=info).
    env: { SABOT_LOG_LEVEL: process.env.SABOT_LOG_LEVEL ?? "warn" },
    projects: [
      {
        test: {
          name: "unit",
          // Randomized reference tests take seconds; on a cold CI run they share two cores with
          // the test environment's builds, so the 5 s default is too tight.
          testTimeout: 60_000,
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.int.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.int.test.ts"],
          globalSetup: ["test/env/global-setup.ts"],
          // Tests also make kafkajs clients of their own (producers, admin): the same timer fix as
          // Sabot's clients, so no test prints kafkajs's TimeoutNegativeWarning.
          setupFiles: ["runtime/connectors/kafka/kafkajs-timers.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Real brokers and processes on a shared 2-core machine: CI retries a failed test once,
          // and the summary line names every test that needed it (test/reporters/summary-line.ts).
          retry: process.env.CI ? 1 : 0,
          // Integration tests share one broker, API server and store; two cores do not gain from
          // running many files at once, and serial runs keep timings readable.
          fileParallelism: false,
        },
      },
    ],
  },
});
