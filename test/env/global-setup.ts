import { readFileSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startEnvironment, stopEnvironment } from "./environment.js";
import { printLogsOfFailedRun } from "./lib/logs.js";
import type { TestEnv } from "./types.js";

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: TestEnv;
  }
}

/**
 * Starts the real services once for all integration test files. With SABOT_TESTENV_FILE set
 * (the env.json written by `npm run env:up`) it reuses an environment that is already up,
 * which makes re-running one test file take seconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.SABOT_TESTENV_FILE;
  const env: TestEnv = external ? (JSON.parse(readFileSync(external, "utf8")) as TestEnv) : await startEnvironment();
  project.provide("testEnv", env);
  return async () => {
    if (!external) {
      const failed = printLogsOfFailedRun(project, env);
      await stopEnvironment(env, { keepFiles: failed });
    }
  };
}
